package io.cutover.proxy.core.wave.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.wave.WaveJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A {@link WaveReport} as JSON: one member per section, in the order of the HTML report. */
public final class WaveReportJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WaveReportJson() {
    }

    public static ObjectNode toJson(WaveReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("generatedAt", r.generatedAt().toString());
        WaveReport.Definition d = r.definition();
        ObjectNode def = root.putObject("definition");
        def.put("name", d.name());
        def.put("state", d.state().name());
        strings(def.putArray("topics"), d.topics());
        strings(def.putArray("groups"), d.groups());
        def.put("clients", d.clients());
        time(def, "createdAt", d.createdAt());
        WaveJson.transitions(root.putArray("timeline"), r.timeline());
        ArrayNode gates = root.putArray("gates");
        for (WaveReport.Gate g : r.gates()) {
            ObjectNode n = gates.addObject();
            n.put("gate", g.gate());
            n.put("title", g.title());
            n.put("status", g.status());
            n.set("evidence", g.evidence());
            strings(n.putArray("warnings"), g.warnings());
            n.put("remedy", g.remedy());
        }
        WaveReport.Rehearsal h = r.rehearsal();
        ObjectNode rehearsal = root.putObject("rehearsal");
        rehearsal.put("done", h.done());
        time(rehearsal, "at", h.at());
        rehearsal.put("capture", h.capture());
        rehearsal.put("passed", h.passed());
        strings(rehearsal.putArray("findings"), h.findings());
        ArrayNode switches = root.putArray("switches");
        r.switches().forEach(s -> switchRecord(switches.addObject(), s));
        ArrayNode moved = root.putArray("clientsMoved");
        for (WaveReport.MovedApplication a : r.clientsMoved()) {
            ObjectNode n = moved.addObject();
            n.put("kind", a.kind());
            n.put("application", a.name());
            ArrayNode clients = n.putArray("clients");
            for (WaveReport.MovedClient c : a.clients()) {
                ObjectNode cn = clients.addObject();
                cn.put("clientId", c.clientId());
                cn.put("address", c.address());
                cn.put("software", c.software());
                cn.put("cluster", c.cluster());
                time(cn, "lastSeen", c.lastSeen());
            }
        }
        ArrayNode traffic = root.putArray("traffic");
        for (WaveReport.TrafficAround t : r.traffic()) {
            ObjectNode n = traffic.addObject();
            n.put("direction", t.direction());
            time(n, "at", t.at());
            n.put("history", t.history());
            rates(n.putObject("requestsPerSecondBefore"), t.before());
            rates(n.putObject("requestsPerSecondAfter"), t.after());
        }
        WaveReport.PromoteDecision p = r.promote();
        ObjectNode promote = root.putObject("promote");
        promote.put("promoted", p.promoted());
        time(promote, "at", p.at());
        promote.put("who", p.who());
        promote.put("note", p.note());
        return root;
    }

    private static void switchRecord(ObjectNode n, WaveReport.SwitchRecord s) {
        n.put("direction", s.direction());
        time(n, "startedAt", s.startedAt());
        n.put("outcome", s.outcome());
        n.put("reason", s.reason());
        n.put("writePauseMs", s.writePauseMs());
        rates(n.putObject("stepsMs"), s.stepsMs());
        n.put("heldRequests", s.heldRequests());
        n.put("heldBytes", s.heldBytes());
        n.put("heldConnections", s.heldConnections());
        ArrayNode groups = n.putArray("groups");
        for (WaveReport.CarriedGroup g : s.groups()) {
            ObjectNode gn = groups.addObject();
            gn.put("group", g.group());
            gn.put("translationSlack", g.translationSlack());
            gn.put("uncommittedAtSwitch", g.uncommittedAtSwitch());
            gn.put("maxRedelivery", g.maxRedelivery());
            ArrayNode parts = gn.putArray("partitions");
            for (WaveReport.CarriedPartition p : g.partitions()) {
                parts.addObject().put("partition", p.partition()).put("committed", p.committed()).put("carried", p.carried())
                    .put("translationSlack", p.translationSlack()).put("uncommittedAtSwitch", p.uncommittedAtSwitch())
                    .put("notOnDestination", p.notOnDestination());
            }
        }
        n.put("warning", s.warning());
    }

    private static void strings(ArrayNode a, List<String> values) {
        values.forEach(a::add);
    }

    private static void rates(ObjectNode n, Map<String, Double> values) {
        values.forEach(n::put);
    }

    private static void time(ObjectNode n, String field, Instant at) {
        n.put(field, at == null ? null : at.toString());
    }
}
