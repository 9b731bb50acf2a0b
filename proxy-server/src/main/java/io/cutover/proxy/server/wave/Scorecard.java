package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.Wave;
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
        n.put("ready", gates.stream().allMatch(GateResult::passed));
        ArrayNode rows = n.putArray("gates");
        gates.forEach(g -> rows.add(g.toJson()));
        if (w.lastSwitch() != null) {
            n.set("lastSwitch", w.lastSwitch());
        }
        return n;
    }

    static String text(Wave w, List<GateResult> gates) {
        StringBuilder sb = new StringBuilder();
        boolean ready = gates.stream().allMatch(GateResult::passed);
        sb.append("wave ").append(w.name()).append("  state ").append(w.state()).append("  ")
            .append(ready ? "READY TO SWITCH" : "NOT READY").append('\n');
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
