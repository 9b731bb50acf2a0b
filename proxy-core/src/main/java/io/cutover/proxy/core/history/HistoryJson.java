package io.cutover.proxy.core.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** The history as JSON for GET /history: the ring's bounds, then one object per sample, oldest first. */
public final class HistoryJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HistoryJson() {
    }

    public static ObjectNode toJson(TrafficHistory history) {
        ObjectNode root = JSON.createObjectNode();
        root.put("intervalMs", history.interval().toMillis());
        root.put("capacity", history.capacity());
        root.put("startedAt", history.startedAt().toString());
        ArrayNode samples = root.putArray("samples");
        for (HistorySample s : history.samples()) {
            ObjectNode n = samples.addObject();
            n.put("at", s.at().toString());
            series(n, "requestsPerSecond", s.requestsPerSecond());
            series(n, "replicationLag", s.replicationLag());
            series(n, "staleClients", s.staleClients());
            series(n, "forcedErrorsPerSecond", s.forcedErrorsPerSecond());
            series(n, "writePausesMs", s.writePausesMs());
        }
        return root;
    }

    private static void series(ObjectNode sample, String name, Map<String, Double> values) {
        ObjectNode n = sample.putObject(name);
        new java.util.TreeMap<>(values).forEach(n::put);
    }
}
