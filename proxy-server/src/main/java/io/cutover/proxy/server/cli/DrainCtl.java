package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** {@code ctl drain --yes}: takes the instance out of its fleet (POST /drain), as SIGTERM does. */
final class DrainCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl drain --yes    take this instance out of rotation: readiness turns off, the listeners close,",
        "                                      client connections close one by one over fleet.drain-period once answered,",
        "                                      then the process exits 0. Without --yes nothing is sent (exit 2).",
        CtlCommand.GLOBAL_LINE);

    private DrainCtl() {
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        CtlArgs a = CtlArgs.parse(args, Set.of(), Set.of("--yes"), USAGE);
        a.exactly();
        if (!a.has("--yes")) {
            // Checked before any request: a drain cannot be called off, the process exits at its end.
            throw a.usageError("not draining: the instance stops serving and exits when the drain ends; run it again with --yes");
        }
        JsonNode d = s.answer(s.admin().post("/drain", null));
        if (d != null) {
            s.out().println(d.path("status").asText() + " since " + d.path("startedAt").asText() + ": readiness is off; "
                + d.path("connectionsOpen").asLong() + " client connections close over " + d.path("drainPeriodSeconds").asDouble()
                + " s, each once its requests are answered; then the process exits");
        }
    }
}
