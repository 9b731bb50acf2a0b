package io.cutover.proxy.core.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Append-only record of every change made to routes, waves and captures: one JSON record per change
 * with when, who (the token's name), what, and the state before and after. Each record is in
 * {@code audit.log} (forced to disk) and in every further sink (a fleet's audit topic) before the
 * change is acknowledged; the first sink that fails fails the record.
 */
public final class AuditLog {
    public static final String FILE_NAME = "audit.log";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AuditFile file;
    private final List<AuditSink> sinks;
    private final Clock clock;

    public AuditLog(Path stateDir, Clock clock) {
        this(stateDir, clock, List.of());
    }

    /** @param more sinks written after the local file, in this order */
    public AuditLog(Path stateDir, Clock clock, List<AuditSink> more) {
        this.file = new AuditFile(stateDir.resolve(FILE_NAME));
        this.clock = clock;
        // The instance's own copy first: a record the shared trail refused is still on this host.
        List<AuditSink> all = new ArrayList<>();
        all.add(file);
        all.addAll(more);
        this.sinks = List.copyOf(all);
    }

    /**
     * Appends the change to every sink; serialised, so each sink holds this instance's records in the
     * order they were made.
     *
     * @throws java.io.UncheckedIOException when a sink could not keep it
     */
    public synchronized void record(String who, String action, JsonNode before, JsonNode after) {
        ObjectNode line = JSON.createObjectNode();
        line.put("time", Instant.now(clock).toString());
        line.put("who", who);
        line.put("action", action);
        line.set("before", before);
        line.set("after", after);
        for (AuditSink sink : sinks) {
            sink.append(line);
        }
    }

    public Path file() {
        return file.file();
    }
}
