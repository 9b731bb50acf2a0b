package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code ctl waves ...}: cutover waves through /waves, from creating one to promoting it. */
final class WavesCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl waves                          every wave: state, topics, groups, last write pause, rollback",
        "       cutover-proxy ctl waves show NAME                one wave: its gates, last switch and history",
        "       cutover-proxy ctl waves create NAME --topics a,b [--groups g1,g2] [--client-id-prefix P]",
        "       cutover-proxy ctl waves check NAME               run the gates on live data now; READY when all pass",
        "       cutover-proxy ctl waves scorecard NAME           the readiness table, as the proxy prints it",
        "       cutover-proxy ctl waves report NAME              the cutover report as one HTML page (> report.html); --json for JSON",
        "       cutover-proxy ctl waves switch NAME [--force]    fenced move of a READY wave to the target (--force: despite",
        "                                                        consumers that keep offsets outside Kafka; no other gate)",
        "       cutover-proxy ctl waves rollback NAME [--force]  back to the source (--force: even if the target was written to)",
        "       cutover-proxy ctl waves promote NAME --yes       the point of no return: rollback is refused afterwards",
        "       cutover-proxy ctl waves rehearse NAME [--produce]",
        "",
        "  --client-id-prefix P  the wave moves only clients whose client.id starts with P",
        "  promote without --yes is refused (exit 2), so that a script cannot promote by accident.",
        CtlCommand.GLOBAL_LINE);

    private WavesCtl() {
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        String sub = CtlArgs.subcommand(args);
        if (sub == null) {
            CtlArgs.parse(args, Set.of(), Set.of(), USAGE).exactly();
            list(s, s.answer(s.admin().get("/waves")));
            return;
        }
        List<String> rest = args.subList(1, args.size());
        switch (sub) {
            case "show" -> show(s, s.answer(s.admin().get(path(name(rest), ""))));
            case "create" -> create(s, CtlArgs.parse(rest, Set.of("--topics", "--groups", "--client-id-prefix"), Set.of(), USAGE));
            case "check" -> check(s, s.answer(s.admin().post(path(name(rest), "/check"), null)));
            case "scorecard" -> scorecard(s, name(rest));
            case "report" -> report(s, name(rest));
            case "switch" -> switchWave(s, CtlArgs.parse(rest, Set.of(), Set.of("--force"), USAGE));
            case "rollback" -> rollback(s, CtlArgs.parse(rest, Set.of(), Set.of("--force"), USAGE));
            case "promote" -> promote(s, CtlArgs.parse(rest, Set.of(), Set.of("--yes"), USAGE));
            case "rehearse" -> rehearse(s, CtlArgs.parse(rest, Set.of(), Set.of("--produce"), USAGE));
            default -> throw CtlFailure.usage("unknown waves command " + sub, USAGE);
        }
    }

    /** The one NAME a subcommand takes, and no options. */
    private static String name(List<String> rest) throws CtlFailure {
        return CtlArgs.parse(rest, Set.of(), Set.of(), USAGE).exactly("NAME").get(0);
    }

    private static String path(String name, String action) {
        return "/waves/" + CtlSession.segment(name) + action;
    }

    private static void list(CtlSession s, JsonNode body) {
        if (body == null) {
            return;
        }
        Table t = Table.of("NAME", "STATE", "TOPICS", "GROUPS", "LAST WRITE PAUSE", "ROLLBACK");
        for (JsonNode w : body.path("waves")) {
            t.row(w.path("name").asText(), w.path("state").asText(), Table.list(w.path("topics"), 3),
                Table.list(w.path("groups"), 3), pause(w.get("lastSwitch")),
                w.path("rollbackAvailable").asBoolean() ? "available" : "no");
        }
        s.out().print(t.isEmpty() ? "no waves yet (cutover-proxy ctl waves create NAME --topics a,b)\n" : t.render());
    }

    private static void create(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        List<String> topics = a.list("--topics");
        if (topics.isEmpty()) {
            throw a.usageError("waves create needs --topics: a wave moves at least one topic");
        }
        ObjectNode spec = JsonNodeFactory.instance.objectNode();
        spec.put("name", name);
        ArrayNode t = spec.putArray("topics");
        topics.forEach(t::add);
        ArrayNode g = spec.putArray("groups");
        a.list("--groups").forEach(g::add);
        if (a.option("--client-id-prefix") != null) {
            spec.putObject("clients").put("clientIdPrefix", a.option("--client-id-prefix"));
        }
        JsonNode w = s.answer(s.admin().post("/waves", spec));
        if (w == null) {
            return;
        }
        s.out().println("created wave " + w.path("name").asText() + " (" + w.path("state").asText() + ")");
        details(s, w);
        s.out().println("next: cutover-proxy ctl waves check " + name);
    }

    private static void show(CtlSession s, JsonNode w) {
        if (w == null) {
            return;
        }
        s.out().println("wave " + w.path("name").asText() + "  " + w.path("state").asText());
        details(s, w);
        if (w.has("gates")) {
            s.out().println();
            s.out().println("gates at the last check:");
            gates(s, w.get("gates"));
        }
        if (w.path("history").size() > 0) {
            s.out().println();
            s.out().println("history:");
            Table h = Table.of("AT", "WHO", "FROM", "TO", "REASON");
            for (JsonNode e : w.get("history")) {
                h.row(e.path("at").asText(), e.path("who").asText(), e.path("from").asText(), e.path("to").asText(),
                    e.path("reason").asText());
            }
            s.out().print(h.render());
        }
    }

    /** The lines every view of a wave shares: what it moves, its last switch, what went wrong, what is next. */
    private static void details(CtlSession s, JsonNode w) {
        Table d = Table.of("FIELD", "VALUE");
        d.row("topics", Table.list(w.path("topics"), Integer.MAX_VALUE));
        d.row("groups", Table.list(w.path("groups"), Integer.MAX_VALUE));
        d.row("clients", RoutesCtl.clients(w.get("clients")));
        d.row("rollback", w.path("rollbackAvailable").asBoolean() ? "available" : "not available");
        JsonNode sw = w.get("lastSwitch");
        if (sw != null && !sw.isNull()) {
            d.row("last switch", sw.path("direction").asText() + ", " + sw.path("outcome").asText() + ", write pause " + pause(sw)
                + ", " + sw.path("heldRequests").asLong() + " requests held");
        }
        if (w.hasNonNull("lastFailure")) {
            d.row("last failure", w.get("lastFailure").asText());
        }
        if (w.hasNonNull("promoteWarning")) {
            d.row("note", w.get("promoteWarning").asText());
        }
        if (w.hasNonNull("noReturn")) {
            d.row("note", w.get("noReturn").asText());
        }
        s.out().print(d.renderRows("  "));
    }

    private static void check(CtlSession s, JsonNode w) {
        if (w == null) {
            return;
        }
        List<String> failed = new ArrayList<>();
        for (JsonNode g : w.path("gates")) {
            if ("FAIL".equals(g.path("status").asText())) {
                failed.add(g.path("gate").asText());
            }
        }
        String name = w.path("name").asText();
        s.out().println("wave " + name + " is " + w.path("state").asText() + ": "
            + (failed.isEmpty() ? "every gate passed" : "not ready, failing " + String.join(", ", failed)));
        gates(s, w.path("gates"));
        if (failed.isEmpty() && "READY".equals(w.path("state").asText())) {
            s.out().println("next: cutover-proxy ctl waves switch " + name);
        }
    }

    /** Gate rows, then what each failing or warning gate says: its problems, warnings and remedy. */
    private static void gates(CtlSession s, JsonNode gates) {
        Table t = Table.of("GATE", "RESULT", "TITLE");
        StringBuilder notes = new StringBuilder();
        for (JsonNode g : gates) {
            String gate = g.path("gate").asText();
            t.row(gate, g.path("status").asText(), g.path("title").asText());
            JsonNode problems = g.path("evidence").path("problems");
            if (!problems.isMissingNode() && !problems.isEmpty()) {
                notes.append("  ").append(gate).append(": ").append(Table.oneLine(problems.toString())).append('\n');
            }
            for (JsonNode warning : g.path("warnings")) {
                notes.append("  ").append(gate).append(": warning: ").append(Table.oneLine(warning.asText())).append('\n');
            }
            if (g.hasNonNull("remedy")) {
                notes.append("  ").append(gate).append(": to do: ").append(Table.oneLine(g.get("remedy").asText())).append('\n');
            }
        }
        s.out().print(t.isEmpty() ? "no gates checked yet\n" : t.render());
        s.out().print(notes);
    }

    private static void scorecard(CtlSession s, String name) throws CtlFailure {
        printRendered(s, path(name, "/scorecard"), path(name, "/scorecard?format=text"));
    }

    /** The cutover report as one HTML page on stdout ({@code > report.html}), or its JSON with --json. */
    private static void report(CtlSession s, String name) throws CtlFailure {
        printRendered(s, path(name, "/report?format=json"), path(name, "/report"));
    }

    /** What the proxy renders itself: its JSON with --json, else the other form (a text table, an HTML page) as sent. */
    private static void printRendered(CtlSession s, String jsonPath, String renderedPath) throws CtlFailure {
        if (s.json()) {
            s.answer(s.admin().get(jsonPath));
            return;
        }
        AdminClient.Reply r = s.admin().get(renderedPath);
        if (!r.ok()) {
            throw s.refusal(r);
        }
        s.printAsIs(r.body());
    }

    /** After a switch or a rollback: where the wave went, how long writes paused, what happened to each group. */
    private static void moved(CtlSession s, JsonNode w) {
        if (w == null) {
            return;
        }
        String name = w.path("name").asText();
        JsonNode sw = w.path("lastSwitch");
        s.out().println("wave " + name + " " + w.path("state").asText() + ": " + sw.path("direction").asText() + ", write pause "
            + pause(sw) + ", " + sw.path("heldRequests").asLong() + " requests held");
        for (Map.Entry<String, JsonNode> g : sw.path("groups").properties()) {
            s.out().println("  group " + g.getKey() + ": offsets carried; at most " + g.getValue().path("maxRedelivery").asLong()
                + " records may be read again");
        }
        if (sw.hasNonNull("warning")) {
            s.out().println("  warning: " + sw.get("warning").asText());
        }
        if (w.path("rollbackAvailable").asBoolean()) {
            s.out().println("next: watch it; cutover-proxy ctl waves rollback " + name + " to go back, or waves promote " + name
                + " --yes when sure");
        }
    }

    private static void switchWave(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        ObjectNode body = a.has("--force") ? JsonNodeFactory.instance.objectNode().put("force", true) : null;
        moved(s, s.answer(s.admin().post(path(name, "/switch"), body)));
    }

    private static void rollback(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        ObjectNode body = null;
        if (a.has("--force")) {
            body = JsonNodeFactory.instance.objectNode().put("force", true);
        }
        moved(s, s.answer(s.admin().post(path(name, "/rollback"), body)));
    }

    private static void promote(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        if (!a.has("--yes")) {
            // Checked here, before any request: nothing can undo a promote, so it has to be asked for in so many words.
            throw a.usageError("not promoting " + name + ": promote is the point of no return (rollback is refused afterwards);"
                + " run it again with --yes to promote");
        }
        JsonNode w = s.answer(s.admin().post(path(name, "/promote"), null));
        if (w != null) {
            s.out().println("wave " + name + " " + w.path("state").asText() + ": " + w.path("noReturn").asText("no return"));
        }
    }

    /** The server's endpoint may be newer than this client: its answer is printed as it comes. */
    private static void rehearse(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("produce", a.has("--produce"));
        AdminClient.Reply r = s.admin().post(path(name, "/rehearse"), body);
        if (s.json()) {
            s.answer(r);
            return;
        }
        if (!r.ok()) {
            throw s.refusal(r);
        }
        s.printAsIs(r.body());
    }

    /** "12.3 ms", with "(aborted)" when the switch did not go through; "-" before any switch. */
    private static String pause(JsonNode sw) {
        if (sw == null || sw.isNull() || !sw.has("writePauseMs")) {
            return Table.NONE;
        }
        String ms = String.format(Locale.ROOT, "%.1f ms", sw.get("writePauseMs").asDouble());
        return "switched".equals(sw.path("outcome").asText()) ? ms : ms + " (" + sw.path("outcome").asText() + ")";
    }
}
