package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/** {@code ctl fleet}: the instances of the fleet as the proxy asked reads them (GET /fleet). */
final class FleetCtl {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy ctl fleet      the proxy instances sharing this one's state: state, route-table version served,",
        "                                    state-topic lag, connections, last heartbeat (this instance alone outside a fleet)",
        CtlCommand.GLOBAL_LINE);

    private FleetCtl() {
    }

    static void run(CtlSession s, List<String> args) throws CtlFailure {
        CtlArgs.parse(args, Set.of(), Set.of(), USAGE).exactly();
        JsonNode body = s.answer(s.admin().get("/fleet"));
        if (body == null) {
            return;
        }
        String self = body.path("instance").asText();
        Table t = Table.of("INSTANCE", "STATE", "ROUTES VERSION", "STATE LAG", "CONNECTIONS", "BOOTSTRAP", "VERSION", "LAST HEARTBEAT");
        for (JsonNode m : body.path("instances")) {
            String id = m.path("id").asText();
            t.row(id.equals(self) ? id + " (this)" : id, m.path("state").asText(), m.path("routesVersion").asLong(),
                m.path("stateLagRecords").asLong(), m.path("connections").asLong(), m.path("bootstrap").asText(),
                m.path("version").asText(), m.has("lastHeartbeatMsAgo") ? m.path("lastHeartbeatMsAgo").asLong() + " ms ago" : Table.NONE);
        }
        s.out().print(t.render());
        int n = body.path("instances").size();
        s.out().println(body.path("live").asInt() + " of " + n + (n == 1 ? " instance" : " instances") + " live"
            + (body.path("enabled").asBoolean(true) ? "" : " (fleet.enabled is off)"));
    }
}
