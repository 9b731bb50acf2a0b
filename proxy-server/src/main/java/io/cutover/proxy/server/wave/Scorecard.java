package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import java.util.List;

/** A wave's readiness table: one row per gate, with pass or fail, its evidence and what to do. JSON, or text for terminals. */
final class Scorecard {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Scorecard() {
    }

    static ObjectNode json(Wave w, List<GateResult> gates) {
        ObjectNode n = JSON.createObjectNode();
        n.put("wave", w.name());
        n.put("state", w.state().name());
        boolean ready = gates.stream().allMatch(GateResult::passed);
        n.put("ready", ready);
        n.put("headline", headline(w.state(), ready));
        ArrayNode rows = n.putArray("gates");
        gates.forEach(g -> rows.add(g.toJson()));
        if (w.lastSwitch() != null) {
            n.set("lastSwitch", w.lastSwitch());
        }
        return n;
    }

    /**
     * What the wave's state and gates mean together. Gates are computed on live data in every state,
     * but "ready to switch" is only news before a switch: after it, the state is the headline.
     */
    static String headline(WaveState state, boolean ready) {
        return switch (state) {
            case PLANNED, READY, ROLLED_BACK -> ready ? "READY TO SWITCH" : "NOT READY";
            case SWITCHED -> "SWITCHED: on the target, rollback available until promoted";
            case PROMOTED -> "PROMOTED: on the target for good, no rollback";
        };
    }

    static String text(Wave w, List<GateResult> gates) {
        StringBuilder sb = new StringBuilder();
        boolean ready = gates.stream().allMatch(GateResult::passed);
        sb.append("wave ").append(w.name()).append("  state ").append(w.state()).append("  ")
            .append(headline(w.state(), ready)).append('\n');
        sb.append(String.format("%-22s %-6s %s%n", "gate", "result", "evidence / what to do"));
        for (GateResult g : gates) {
            String problems = g.evidence().path("problems").isEmpty() ? "" : g.evidence().path("problems").toString();
            sb.append(String.format("%-22s %-6s %s%n", g.gate(), g.passed() ? "pass" : "FAIL", g.title()));
            if (!problems.isEmpty()) {
                sb.append(String.format("%-29s %s%n", "", problems));
            }
            for (String warning : g.warnings()) {
                sb.append(String.format("%-29s warning: %s%n", "", warning));
            }
            if (!g.passed()) {
                sb.append(String.format("%-29s to do: %s%n", "", g.remedy()));
            }
        }
        if (w.lastSwitch() != null && w.lastSwitch().has("writePauseMs")) {
            sb.append("last switch: ").append(w.lastSwitch().path("direction").asText()).append(", write pause ")
                .append(w.lastSwitch().get("writePauseMs").asDouble()).append(" ms, ").append(w.lastSwitch().path("outcome").asText())
                .append('\n');
        }
        return sb.toString();
    }
}
