package io.cutover.proxy.core.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.apache.kafka.common.Uuid;

/**
 * The cluster id clients see when the proxy fronts two clusters. Made once, kept in the state
 * directory, so it never changes while clients move between the real clusters underneath.
 */
public final class VirtualClusterId {
    public static final String FILE_NAME = "cluster-id";

    private VirtualClusterId() {
    }

    /** The saved id, or null when none was made yet. */
    public static String load(Path stateDir) {
        Path file = stateDir.resolve(FILE_NAME);
        return Files.exists(file) ? loadOrCreate(stateDir) : null;
    }

    public static String loadOrCreate(Path stateDir) {
        Path file = stateDir.resolve(FILE_NAME);
        try {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (id.isEmpty() || id.length() > 64 || !id.matches("[A-Za-z0-9_-]+")) {
                throw new CorruptStateException(file, "not a cluster id: \"" + id + "\"", null);
            }
            return id;
        } catch (NoSuchFileException e) {
            String id = Uuid.randomUuid().toString();
            AtomicFiles.write(file, (id + "\n").getBytes(StandardCharsets.UTF_8));
            return id;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
    }
}
