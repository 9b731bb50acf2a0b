package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The waves as {@code waves.json} in the state directory, written whole, atomically, before a
 * transition takes effect; a corrupt file stops the start (as routes.json does).
 */
public final class FileWaveStore implements WaveStore {
    public static final String FILE_NAME = "waves.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public FileWaveStore(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    @Override
    public List<Wave> load() {
        byte[] bytes = AtomicFiles.readIfPresent(file);
        if (bytes == null) {
            return List.of();
        }
        try {
            JsonNode root = JSON.readTree(bytes);
            List<Wave> waves = new ArrayList<>();
            for (JsonNode n : root.path("waves")) {
                waves.add(WaveJson.fromJson(n));
            }
            return waves;
        } catch (IOException | RuntimeException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    @Override
    public void save(Wave changed, List<Wave> all) {
        save(all);
    }

    public void save(List<Wave> waves) {
        var root = JSON.createObjectNode();
        ArrayNode all = root.putArray("waves");
        waves.forEach(w -> all.add(WaveJson.toJson(w)));
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (UncheckedIOException e) {
            // A full or failing disk: the caller refuses the change, or keeps it in memory past a flip.
            throw new Routes.StoreUnavailableException(e.getMessage(), e);
        }
    }
}
