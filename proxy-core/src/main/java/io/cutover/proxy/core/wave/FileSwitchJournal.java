package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The switch journal as {@code switch-journal.json} in the state directory: the switch in progress,
 * if any, and how the last one ended. Written whole (temp, fsync, rename) before each step acts, so
 * a crash leaves the last step recorded. Switches run one at a time, so one entry is enough.
 */
public final class FileSwitchJournal {
    public static final String FILE_NAME = "switch-journal.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;

    public FileSwitchJournal(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    /** The switch that was in progress when the proxy stopped, if one was. */
    public Optional<SwitchJournal> inProgress() {
        JsonNode root = read();
        JsonNode n = root == null ? null : root.get("inProgress");
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(n));
        } catch (RuntimeException e) {
            throw new CorruptStateException(file, "inProgress: " + e.getMessage(), e);
        }
    }

    /** Records {@code entry} as the switch in progress; returns once it is on disk. */
    public void record(SwitchJournal entry) {
        ObjectNode root = JSON.createObjectNode();
        root.set("inProgress", toJson(entry));
        JsonNode previous = read();
        if (previous != null && previous.hasNonNull("last")) {
            root.set("last", previous.get("last"));
        }
        write(root);
    }

    /** The switch ended ({@code outcome}: switched, aborted, completed-at-start, undone-at-start): nothing is in progress. */
    public void finish(SwitchJournal entry, String outcome, Instant now) {
        ObjectNode root = JSON.createObjectNode();
        root.putNull("inProgress");
        ObjectNode last = toJson(entry);
        last.put("outcome", outcome);
        last.put("endedAt", now.toString());
        root.set("last", last);
        write(root);
    }

    private void write(ObjectNode root) {
        try {
            AtomicFiles.write(file, JSON.writeValueAsBytes(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new CorruptStateException(file, e.getMessage(), e);
        }
    }

    static ObjectNode toJson(SwitchJournal j) {
        ObjectNode n = JSON.createObjectNode();
        n.put("wave", j.wave());
        n.put("operation", j.operation());
        n.put("force", j.force());
        n.put("who", j.who());
        n.put("step", j.step().label());
        n.put("startedAt", j.startedAt().toString());
        ObjectNode steps = n.putObject("steps");
        j.stepsAt().entrySet().stream().sorted(Map.Entry.comparingByValue())
            .forEach(e -> steps.put(e.getKey(), e.getValue().toString()));
        if (j.report() != null) {
            n.set("report", j.report());
        }
        ObjectNode ends = n.putObject("targetEnds");
        j.targetEnds().forEach(ends::put);
        return n;
    }

    static SwitchJournal fromJson(JsonNode n) {
        String operation = required(n, "operation");
        if (!operation.equals("switch") && !operation.equals("rollback")) {
            throw new IllegalArgumentException("operation: " + operation + " is neither switch nor rollback");
        }
        SwitchStep step = step(required(n, "step"));
        Map<String, Instant> stepsAt = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("steps").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            stepsAt.put(step(e.getKey()).label(), Instant.parse(e.getValue().asText()));
        }
        Map<String, Long> ends = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("targetEnds").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ends.put(e.getKey(), e.getValue().asLong());
        }
        JsonNode report = n.get("report");
        return new SwitchJournal(required(n, "wave"), operation.equals("switch"), n.path("force").asBoolean(false),
            required(n, "who"), step, Instant.parse(required(n, "startedAt")), stepsAt,
            report instanceof ObjectNode o ? o : null, ends);
    }

    private static SwitchStep step(String label) {
        for (SwitchStep s : SwitchStep.values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("step: " + label + " is not a switch step");
    }

    private static String required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(field + ": missing");
        }
        return v.asText();
    }
}
