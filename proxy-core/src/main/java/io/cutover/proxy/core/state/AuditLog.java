package io.cutover.proxy.core.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * Append-only record of every change made to routes, waves and captures: one JSON line per change with
 * when, who (the token's name), what, and the state before and after. Each line is forced to disk
 * before the change is acknowledged.
 */
public final class AuditLog {
    public static final String FILE_NAME = "audit.log";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;

    public AuditLog(Path stateDir, Clock clock) {
        this.file = stateDir.resolve(FILE_NAME);
        this.clock = clock;
    }

    public synchronized void record(String who, String action, JsonNode before, JsonNode after) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", Instant.now(clock).toString());
        line.put("who", who);
        line.put("action", action);
        line.set("before", before);
        line.set("after", after);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            byte[] bytes = (JSON.writeValueAsString(line) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to audit log " + file, e);
        }
    }

    public Path file() {
        return file;
    }
}
