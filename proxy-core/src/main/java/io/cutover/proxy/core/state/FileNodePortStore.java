package io.cutover.proxy.core.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.node.NodePortStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** {@link NodePortStore} as {@code node-ports.json} in the state directory. */
public final class FileNodePortStore implements NodePortStore {
    public static final String FILE_NAME = "node-ports.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public FileNodePortStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    @Override
    public Map<Integer, Integer> load() {
        byte[] bytes = AtomicFiles.readIfPresent(file);
        if (bytes == null) {
            return Map.of();
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            JsonNode nodes = root == null ? null : root.get("nodes");
            if (nodes == null || !nodes.isArray()) {
                throw new CorruptStateException(file, "no \"nodes\" array", null);
            }
            Map<Integer, Integer> ports = new TreeMap<>();
            for (JsonNode n : nodes) {
                JsonNode id = n.get("virtualNodeId");
                JsonNode port = n.get("port");
                if (id == null || !id.canConvertToInt() || port == null || !port.canConvertToInt()) {
                    throw new CorruptStateException(file, "entry without integer virtualNodeId and port: " + n, null);
                }
                ports.put(id.intValue(), port.intValue());
            }
            return ports;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    @Override
    public void save(Map<Integer, Integer> portsByVirtualId) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode nodes = root.putArray("nodes");
        new TreeMap<>(portsByVirtualId).forEach((id, port) -> nodes.addObject().put("virtualNodeId", id).put("port", port));
        try {
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
