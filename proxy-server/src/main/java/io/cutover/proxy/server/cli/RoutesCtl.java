package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/** {@code ctl routes}: the route table, and {@code ctl routes flip} to set one rule (GET /routes, POST /routes/flip). */
final class RoutesCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl routes                                 the route table: one rule a line, and its version",
        "       cutover-proxy ctl routes flip RESOURCE PATTERN CLUSTER [--match exact|prefix|regex] [--client-id-prefix P] [--force]",
        "",
        "  flip sets one rule: it replaces the rule with the same resource, match, pattern and clients, or adds it.",
        "  RESOURCE             topic, group or transactional-id",
        "  PATTERN              the name (exact, the default), the prefix, or a regex (topics only; a full match)",
        "  CLUSTER              source or target",
        "  --client-id-prefix P only clients whose client.id starts with P follow this rule",
        "  --force              move a topic even though consumer groups or connected clients read it (a plain flip",
        "                       carries no offsets: move readers with a wave instead)",
        CtlCommand.GLOBAL_LINE);
    private static final Set<String> MATCHES = Set.of("exact", "prefix", "regex");

    private RoutesCtl() {
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        String sub = CtlArgs.subcommand(args);
        if (sub == null) {
            CtlArgs.parse(args, Set.of(), Set.of(), USAGE).exactly();
            print(s, s.answer(s.admin().get("/routes")));
            return;
        }
        List<String> rest = args.subList(1, args.size());
        switch (sub) {
            case "flip" -> flip(s, CtlArgs.parse(rest, Set.of("--match", "--client-id-prefix"), Set.of("--force"), USAGE));
            default -> throw CtlFailure.usage("unknown routes command " + sub, USAGE);
        }
    }

    private static void flip(CtlSession s, CtlArgs a) throws CtlFailure {
        List<String> p = a.exactly("RESOURCE", "PATTERN", "CLUSTER");
        String match = a.option("--match") == null ? "exact" : a.option("--match");
        if (!MATCHES.contains(match)) {
            throw a.usageError("--match takes exact, prefix or regex, not " + match);
        }
        ObjectNode rule = JsonNodeFactory.instance.objectNode();
        rule.put("resource", p.get(0));
        rule.put("match", match);
        rule.put("pattern", p.get(1));
        rule.put("cluster", p.get(2));
        if (a.option("--client-id-prefix") != null) {
            rule.putObject("clients").put("clientIdPrefix", a.option("--client-id-prefix"));
        }
        if (a.has("--force")) {
            rule.put("force", true);
        }
        JsonNode table = s.answer(s.admin().post("/routes/flip", rule));
        if (table == null) {
            return;
        }
        s.out().println(p.get(0) + " " + p.get(1) + (match.equals("exact") ? "" : " (" + match + ")")
            + (a.option("--client-id-prefix") == null ? "" : " for client.id " + a.option("--client-id-prefix") + "*")
            + " -> " + p.get(2));
        s.out().println();
        print(s, table);
    }

    private static void print(CtlSession s, JsonNode table) {
        if (table == null) {
            return;
        }
        String dflt = table.path("defaultCluster").asText();
        s.out().println("route table version " + table.path("version").asText() + ", default cluster " + dflt);
        Table t = Table.of("RESOURCE", "MATCH", "PATTERN", "CLIENTS", "CLUSTER");
        for (JsonNode r : table.path("rules")) {
            t.row(r.path("resource").asText(), r.path("match").asText("exact"), r.path("pattern").asText(), clients(r.get("clients")),
                r.path("cluster").asText());
        }
        s.out().print(t.isEmpty() ? "no rules: everything goes to " + dflt + "\n" : t.render());
    }

    /** Which clients a rule applies to: "all", "client.id billing-*", "10.1.0.0/16", or both. */
    static String clients(JsonNode c) {
        if (c == null || c.isNull() || c.isEmpty()) {
            return "all";
        }
        String prefix = c.hasNonNull("clientIdPrefix") ? "client.id " + c.get("clientIdPrefix").asText() + "*" : null;
        String address = c.hasNonNull("address") ? c.get("address").asText() : null;
        return prefix != null && address != null ? prefix + " from " + address : prefix != null ? prefix : address;
    }
}
