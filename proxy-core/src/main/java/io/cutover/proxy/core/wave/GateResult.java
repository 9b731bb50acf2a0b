package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** One readiness gate's verdict, its evidence, warnings that do not block, and what to do about a failure. */
public record GateResult(String gate, String title, boolean passed, ObjectNode evidence, List<String> warnings, String remedy) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("gate", gate);
        n.put("title", title);
        n.put("status", passed ? (warnings.isEmpty() ? "PASS" : "PASS_WITH_WARNINGS") : "FAIL");
        n.set("evidence", evidence);
        ArrayNode w = n.putArray("warnings");
        warnings.forEach(w::add);
        if (!passed) {
            n.put("remedy", remedy);
        }
        return n;
    }
}
