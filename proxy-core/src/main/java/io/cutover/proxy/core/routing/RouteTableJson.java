package io.cutover.proxy.core.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The JSON form of route tables and rules, shared by the admin API and the state file. Parsing is
 * strict: an unknown field or a wrong type is an error naming the field, not something ignored.
 */
public final class RouteTableJson {
    private static final Set<String> TABLE_FIELDS = Set.of("version", "defaultCluster", "rules");
    private static final Set<String> RULE_FIELDS = Set.of("resource", "match", "pattern", "cluster", "clients");
    private static final Set<String> CLIENT_FIELDS = Set.of("clientIdPrefix", "address");

    private RouteTableJson() {
    }

    public static ObjectNode toJson(RouteTable table) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("version", table.version());
        root.put("defaultCluster", table.defaultCluster());
        ArrayNode rules = root.putArray("rules");
        table.rules().forEach(r -> rules.add(toJson(r)));
        return root;
    }

    public static ObjectNode toJson(RouteRule r) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("resource", r.resource().json());
        n.put("match", r.match().json());
        n.put("pattern", r.pattern());
        n.put("cluster", r.cluster());
        if (!r.clients().isAny()) {
            ObjectNode c = n.putObject("clients");
            if (r.clients().clientIdPrefix() != null) {
                c.put("clientIdPrefix", r.clients().clientIdPrefix());
            }
            if (r.clients().address() != null) {
                c.put("address", r.clients().address().text());
            }
        }
        return n;
    }

    /** Reads a whole table; {@code version} is required. */
    public static RouteTable tableFromJson(JsonNode root) {
        requireObject(root, "route table");
        onlyFields(root, TABLE_FIELDS, "route table");
        JsonNode version = root.get("version");
        if (version == null || !version.canConvertToLong()) {
            throw new RouteTableException("\"version\" must be an integer");
        }
        return new RouteTable(version.longValue(), defaultCluster(root), rules(root));
    }

    /** Reads the body of a PUT: rules and an optional default; the version comes from If-Match. */
    public static RouteTable replacementFromJson(JsonNode root, RouteTable current) {
        requireObject(root, "route table");
        onlyFields(root, TABLE_FIELDS, "route table");
        return current.next(root.has("defaultCluster") ? defaultCluster(root) : current.defaultCluster(), rules(root));
    }

    private static String defaultCluster(JsonNode root) {
        JsonNode d = root.get("defaultCluster");
        if (d == null) {
            return RouteTable.DEFAULT_CLUSTER;
        }
        if (!d.isTextual()) {
            throw new RouteTableException("\"defaultCluster\" must be a string");
        }
        return d.textValue();
    }

    private static List<RouteRule> rules(JsonNode root) {
        JsonNode rules = root.get("rules");
        if (rules == null) {
            throw new RouteTableException("\"rules\" is required (an empty array routes everything to the default)");
        }
        if (!rules.isArray()) {
            throw new RouteTableException("\"rules\" must be an array");
        }
        List<RouteRule> out = new ArrayList<>();
        int i = 0;
        for (JsonNode r : rules) {
            try {
                out.add(ruleFromJson(r));
            } catch (RouteTableException e) {
                throw new RouteTableException("rules[" + i + "]: " + e.getMessage());
            }
            i++;
        }
        return out;
    }

    public static RouteRule ruleFromJson(JsonNode n) {
        requireObject(n, "rule");
        onlyFields(n, RULE_FIELDS, "rule");
        ResourceType resource = ResourceType.fromJson(text(n, "resource", true));
        String matchText = text(n, "match", false);
        MatchType match = matchText == null ? MatchType.EXACT : MatchType.fromJson(matchText);
        String pattern = text(n, "pattern", true);
        String cluster = text(n, "cluster", true);
        ClientSelector clients = ClientSelector.ANY;
        JsonNode c = n.get("clients");
        if (c != null && !c.isNull()) {
            requireObject(c, "clients");
            onlyFields(c, CLIENT_FIELDS, "clients");
            clients = ClientSelector.of(text(c, "clientIdPrefix", false), text(c, "address", false));
        }
        return new RouteRule(resource, match, pattern, clients, cluster);
    }

    private static String text(JsonNode n, String field, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new RouteTableException("\"" + field + "\" is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new RouteTableException("\"" + field + "\" must be a string");
        }
        return v.textValue();
    }

    private static void requireObject(JsonNode n, String what) {
        if (n == null || !n.isObject()) {
            throw new RouteTableException(what + " must be a JSON object");
        }
    }

    private static void onlyFields(JsonNode n, Set<String> allowed, String what) {
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
            String f = names.next();
            if (!allowed.contains(f)) {
                throw new RouteTableException("unknown field \"" + f + "\" in " + what + "; expected " + allowed);
            }
        }
    }
}
