package io.cutover.proxy.core.routing;

/** What a route rule names. */
public enum ResourceType {
    TOPIC("topic"),
    GROUP("group"),
    TRANSACTIONAL_ID("transactional-id");

    private final String json;

    ResourceType(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }

    public static ResourceType fromJson(String value) {
        for (ResourceType t : values()) {
            if (t.json.equals(value)) {
                return t;
            }
        }
        throw new RouteTableException("unknown resource \"" + value + "\"; use topic, group or transactional-id");
    }
}
