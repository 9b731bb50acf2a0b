package io.cutover.proxy.core.routing;

/** How a rule's pattern matches a name. Exact beats prefix (longest first), prefix beats regex. */
public enum MatchType {
    EXACT("exact"),
    PREFIX("prefix"),
    /** Topics only: group and transactional ids are matched by exact name or prefix. */
    REGEX("regex");

    private final String json;

    MatchType(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }

    public static MatchType fromJson(String value) {
        for (MatchType t : values()) {
            if (t.json.equals(value)) {
                return t;
            }
        }
        throw new RouteTableException("unknown match \"" + value + "\"; use exact, prefix or regex");
    }
}
