package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code ctl captures ...}: traffic captures through /captures. */
final class CapturesCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl captures                 running and recent captures",
        "       cutover-proxy ctl captures start NAME [--topics a,b] [--client-id-prefix P] [--max-seconds N]",
        "       cutover-proxy ctl captures stop NAME       stop it; answers once the file is complete",
        "",
        "  A capture is written to state-dir/captures/NAME.pcapng; it stops by itself after --max-seconds",
        "  (default capture.max-duration) or at capture.max-bytes. One capture runs at a time.",
        CtlCommand.GLOBAL_LINE);

    private CapturesCtl() {
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        String sub = CtlArgs.subcommand(args);
        if (sub == null) {
            CtlArgs.parse(args, Set.of(), Set.of(), USAGE).exactly();
            list(s, s.answer(s.admin().get("/captures")));
            return;
        }
        List<String> rest = args.subList(1, args.size());
        switch (sub) {
            case "start" -> start(s, CtlArgs.parse(rest, Set.of("--topics", "--client-id-prefix", "--max-seconds"), Set.of(), USAGE));
            case "stop" -> {
                String name = CtlArgs.parse(rest, Set.of(), Set.of(), USAGE).exactly("NAME").get(0);
                JsonNode c = s.answer(s.admin().post("/captures/" + CtlSession.segment(name) + "/stop", null));
                if (c != null) {
                    s.out().println("capture " + name + " " + c.path("state").asText() + " (" + c.path("stopReason").asText("stopped")
                        + "): " + c.path("framesWritten").asLong() + " frames, " + bytes(c.path("bytesWritten").asLong()) + " written, "
                        + c.path("framesDropped").asLong() + " frames dropped");
                    s.out().println("file: " + c.path("file").asText());
                }
            }
            default -> throw CtlFailure.usage("unknown captures command " + sub, USAGE);
        }
    }

    private static void start(CtlSession s, CtlArgs a) throws CtlFailure {
        String name = a.exactly("NAME").get(0);
        ObjectNode spec = JsonNodeFactory.instance.objectNode();
        spec.put("name", name);
        List<String> topics = a.list("--topics");
        String prefix = a.option("--client-id-prefix");
        if (!topics.isEmpty() || prefix != null) {
            ObjectNode filter = spec.putObject("filter");
            if (!topics.isEmpty()) {
                ArrayNode t = filter.putArray("topics");
                topics.forEach(t::add);
            }
            if (prefix != null) {
                filter.put("clientIdPrefix", prefix);
            }
        }
        Long seconds = a.positive("--max-seconds");
        if (seconds != null) {
            spec.put("maxDurationSeconds", seconds);
        }
        JsonNode c = s.answer(s.admin().post("/captures", spec));
        if (c == null) {
            return;
        }
        s.out().println("capture " + name + " " + c.path("state").asText() + ", writing " + c.path("file").asText());
        s.out().println("  stops by itself after " + c.path("maxDurationSeconds").asLong() + " s or "
            + bytes(c.path("maxBytes").asLong()) + "; cutover-proxy ctl captures stop " + name + " stops it now");
    }

    private static void list(CtlSession s, JsonNode body) {
        if (body == null) {
            return;
        }
        s.out().println("directory " + body.path("directory").asText());
        Table t = Table.of("NAME", "STATE", "STARTED", "FRAMES", "BYTES", "DROPPED", "CONNECTIONS", "STOPPED BECAUSE");
        for (JsonNode c : body.path("captures")) {
            t.row(c.path("name").asText(), c.path("state").asText(), c.path("startedAt").asText(), c.path("framesWritten").asLong(),
                bytes(c.path("bytesWritten").asLong()), c.path("framesDropped").asLong(), c.path("connections").asLong(),
                c.path("stopReason").asText(""));
        }
        s.out().print(t.isEmpty() ? "no captures yet\n" : t.render());
    }

    /** 1536 -> "1.5 KiB": file sizes are read, not parsed (--json has the exact numbers). */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
