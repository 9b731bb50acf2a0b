package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import io.cutover.proxy.core.state.LineAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The switch journal as {@code switch-journal.jsonl} in the state directory: one JSON line per step
 * of the switch in progress, appended before the step acts, and after the switch one line saying how
 * it ended (the file is then rewritten to that line alone, so it never grows past one switch).
 *
 * <p>An append reaches the operating system before the step acts, so a killed process leaves it
 * behind. Only the steps a restart decides on are also forced to disk before they act (the intent,
 * and the flip with the target's ends): an fsync under the write fence costs milliseconds, and tens
 * of them on a busy disk, while the other steps only say how far a switch got.
 */
public final class FileSwitchJournal implements SwitchJournalStore {
    public static final String FILE_NAME = "switch-journal.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public FileSwitchJournal(Path stateDir) {
        this.file = stateDir.resolve(FILE_NAME);
    }

    public Path file() {
        return file;
    }

    @Override
    public String where() {
        return file.toString();
    }

    @Override
    public Optional<SwitchJournal> inProgress() {
        JsonNode last = lastLine();
        JsonNode n = last == null ? null : last.get("inProgress");
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(fromJson(n));
        } catch (RuntimeException e) {
            throw new CorruptStateException(file, "inProgress: " + e.getMessage(), e);
        }
    }

    /**
     * Appends {@code entry} as the step the switch is at; returns once the operating system has it,
     * and with {@code durable} once it is on disk.
     */
    @Override
    public void record(SwitchJournal entry, boolean durable) {
        ObjectNode line = JSON.createObjectNode();
        line.set("inProgress", toJson(entry));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean created = !Files.exists(file);
            try (LineAppender journal = LineAppender.open(file)) {
                journal.append((JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8), durable);
            }
            if (created && durable) {
                AtomicFiles.fsyncDirectory(file.toAbsolutePath().getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the switch journal " + file + ": " + e.getMessage(), e);
        }
    }

    /** The switch ended ({@code outcome}: switched, aborted, completed-at-start, undone-at-start): nothing is in progress. */
    @Override
    public void finish(SwitchJournal entry, String outcome, Instant now) {
        ObjectNode last = toJson(entry);
        last.put("outcome", outcome);
        last.put("endedAt", now.toString());
        ObjectNode line = JSON.createObjectNode();
        line.set("last", last);
        try {
            AtomicFiles.write(file, (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The last complete line; a torn last line (the process died while appending it) is skipped. */
    private JsonNode lastLine() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
        JsonNode last = null;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                last = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                if (i != lines.size() - 1) {
                    throw new CorruptStateException(file, "line " + (i + 1) + ": " + e.getMessage(), e);
                }
                // torn append: the step before it is where the switch stood
            }
        }
        return last;
    }

    /** A journal entry as the file and the fleet's state topic hold it. */
    public static ObjectNode toJson(SwitchJournal j) {
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

    /** Reads {@link #toJson}'s form; IllegalArgumentException when it does not parse. */
    public static SwitchJournal fromJson(JsonNode n) {
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
