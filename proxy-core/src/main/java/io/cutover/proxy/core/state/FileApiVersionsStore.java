package io.cutover.proxy.core.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;

/**
 * Each cluster's last ApiVersions answer, as {@code api-versions.json} in the state directory, so a
 * proxy restarted while one cluster is down still offers clients only versions that cluster
 * supports. Only the version ranges and features are kept (no error code, no throttle time).
 */
public final class FileApiVersionsStore {
    public static final String FILE_NAME = "api-versions.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public FileApiVersionsStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** Every cluster's ranges as last saved; empty when none were. */
    public Map<String, ApiVersionsResponseData> load() {
        byte[] bytes = AtomicFiles.readIfPresent(file);
        if (bytes == null) {
            return Map.of();
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            JsonNode clusters = root == null ? null : root.get("clusters");
            if (clusters == null || !clusters.isObject()) {
                throw new CorruptStateException(file, "no \"clusters\" object", null);
            }
            Map<String, ApiVersionsResponseData> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = clusters.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.put(e.getKey(), read(e.getKey(), e.getValue()));
            }
            return Map.copyOf(out);
        } catch (IOException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    public void save(Map<String, ApiVersionsResponseData> byCluster) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode clusters = root.putObject("clusters");
        new TreeMap<>(byCluster).forEach((cluster, v) -> write(clusters.putObject(cluster), v));
        try {
            AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The parts of an answer worth keeping, in a form whose equals() ignores everything else. */
    public static ApiVersionsResponseData ranges(ApiVersionsResponseData answer) {
        ApiVersionsResponseData out = new ApiVersionsResponseData().setFinalizedFeaturesEpoch(answer.finalizedFeaturesEpoch());
        answer.apiKeys().forEach(k -> out.apiKeys().add(k.duplicate()));
        answer.supportedFeatures().forEach(f -> out.supportedFeatures().add(f.duplicate()));
        answer.finalizedFeatures().forEach(f -> out.finalizedFeatures().add(f.duplicate()));
        return out;
    }

    private static void write(ObjectNode node, ApiVersionsResponseData v) {
        node.put("finalizedFeaturesEpoch", v.finalizedFeaturesEpoch());
        ArrayNode apis = node.putArray("apiKeys");
        v.apiKeys().forEach(k -> apis.addObject().put("apiKey", k.apiKey()).put("minVersion", k.minVersion())
            .put("maxVersion", k.maxVersion()));
        ArrayNode supported = node.putArray("supportedFeatures");
        v.supportedFeatures().forEach(f -> supported.addObject().put("name", f.name()).put("minVersion", f.minVersion())
            .put("maxVersion", f.maxVersion()));
        ArrayNode finalized = node.putArray("finalizedFeatures");
        v.finalizedFeatures().forEach(f -> finalized.addObject().put("name", f.name()).put("minVersionLevel", f.minVersionLevel())
            .put("maxVersionLevel", f.maxVersionLevel()));
    }

    private ApiVersionsResponseData read(String cluster, JsonNode node) {
        ApiVersionsResponseData v = new ApiVersionsResponseData()
            .setFinalizedFeaturesEpoch(node.path("finalizedFeaturesEpoch").asLong(-1));
        for (JsonNode k : array(cluster, node, "apiKeys")) {
            v.apiKeys().add(new ApiVersion().setApiKey(shortOf(cluster, k, "apiKey"))
                .setMinVersion(shortOf(cluster, k, "minVersion")).setMaxVersion(shortOf(cluster, k, "maxVersion")));
        }
        for (JsonNode f : array(cluster, node, "supportedFeatures")) {
            v.supportedFeatures().add(new SupportedFeatureKey().setName(textOf(cluster, f, "name"))
                .setMinVersion(shortOf(cluster, f, "minVersion")).setMaxVersion(shortOf(cluster, f, "maxVersion")));
        }
        for (JsonNode f : array(cluster, node, "finalizedFeatures")) {
            v.finalizedFeatures().add(new FinalizedFeatureKey().setName(textOf(cluster, f, "name"))
                .setMinVersionLevel(shortOf(cluster, f, "minVersionLevel")).setMaxVersionLevel(shortOf(cluster, f, "maxVersionLevel")));
        }
        return v;
    }

    private JsonNode array(String cluster, JsonNode node, String field) {
        JsonNode a = node.get(field);
        if (a == null || !a.isArray()) {
            throw new CorruptStateException(file, "cluster " + cluster + " has no \"" + field + "\" array", null);
        }
        return a;
    }

    private short shortOf(String cluster, JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || !n.canConvertToInt() || n.intValue() < Short.MIN_VALUE || n.intValue() > Short.MAX_VALUE) {
            throw new CorruptStateException(file, "cluster " + cluster + ": entry without a 16-bit " + field + ": " + node, null);
        }
        return (short) n.intValue();
    }

    private String textOf(String cluster, JsonNode node, String field) {
        JsonNode n = node.get(field);
        if (n == null || !n.isTextual()) {
            throw new CorruptStateException(file, "cluster " + cluster + ": entry without a " + field + ": " + node, null);
        }
        return n.textValue();
    }
}
