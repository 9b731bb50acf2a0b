package io.cutover.proxy.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An idempotent producer of another language in a process of its own (kafkajs through
 * {@code soak_producer.js}, librdkafka through {@code soak_producer.py}), writing numbered records
 * ("NAME-n", record n to partition n % partitions) and reporting what was acknowledged through an
 * events file.
 */
public final class ScriptProducer implements AutoCloseable {
    /** The non-Java clients this project tests with. */
    public enum Kind {
        KAFKAJS, LIBRDKAFKA;

        List<String> command() {
            return this == KAFKAJS ? List.of("node", CLIENTS.resolve("soak_producer.js").toString())
                : List.of("/usr/bin/python3", CLIENTS.resolve("soak_producer.py").toString());
        }

        /** Null when this client can run here; else why not. */
        public String unavailableBecause() {
            List<String> probe = this == KAFKAJS ? List.of("node", "-e", "require('" + CLIENTS.resolve("node_modules/kafkajs") + "')")
                : List.of("/usr/bin/python3", "-c", "import confluent_kafka");
            try {
                Process p = new ProcessBuilder(probe).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor() == 0 ? null : name().toLowerCase() + " is not installed (.ci/run installs it)";
            } catch (IOException e) {
                return name().toLowerCase() + " cannot start: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
    }

    private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Kind kind;
    private final String topic;
    private final Process process;
    private final Path events;
    private final Path stop;
    private final Path log;
    private int parsedLines;
    private final Set<String> acked = new HashSet<>();
    private final List<String> errors = new ArrayList<>();
    private boolean done;

    private ScriptProducer(Kind kind, String topic, Process process, Path events, Path stop, Path log) {
        this.kind = kind;
        this.topic = topic;
        this.process = process;
        this.events = events;
        this.stop = stop;
        this.log = log;
    }

    public static ScriptProducer start(Kind kind, String bootstrap, String topic, int partitions, String name) {
        try {
            Path dir = Files.createTempDirectory("cutover-" + kind.name().toLowerCase());
            Path events = dir.resolve("events.jsonl");
            Files.createFile(events);
            Path stop = dir.resolve("stop");
            Path log = dir.resolve("client.log");
            List<String> command = new ArrayList<>(kind.command());
            command.addAll(List.of(bootstrap, topic, String.valueOf(partitions), name, stop.toString(), events.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ScriptProducer(kind, topic, p, events, stop, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Kind kind() {
        return kind;
    }

    public String topic() {
        return topic;
    }

    /** Reads what the events file gained since the last call. */
    private synchronized void refresh() {
        String text;
        try {
            text = Files.readString(events);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // What follows the last newline may be half-written still: it is read at the next call.
        List<String> lines = List.of(text.split("\n", -1));
        int complete = lines.size() - 1;
        for (; parsedLines < complete; parsedLines++) {
            String line = lines.get(parsedLines);
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                n.path("acked").forEach(a -> acked.add(a.asText()));
                if (n.has("error")) {
                    errors.add(n.get("error").asText());
                }
                if (n.path("done").asBoolean()) {
                    done = true;
                }
            } catch (IOException e) {
                throw new IllegalStateException(kind + " events line " + (parsedLines + 1) + ": " + line, e);
            }
        }
    }

    public synchronized int ackedCount() {
        refresh();
        return acked.size();
    }

    /** The acknowledged records, "partition:value". */
    public synchronized Set<String> ackedKeys() {
        refresh();
        return Set.copyOf(acked);
    }

    /** What the client reported as errors, and its exit if it ended before it was stopped. */
    public synchronized List<String> errors() {
        refresh();
        List<String> all = new ArrayList<>(errors);
        if (!process.isAlive() && !done) {
            all.add(kind + " exited with " + process.exitValue() + " before it was stopped: " + tail());
        }
        return all;
    }

    /** Asks the client to stop, and waits until it has flushed what it sent. */
    public void stop(Duration timeout) throws InterruptedException {
        try {
            Files.writeString(stop, "stop");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(kind + " did not stop within " + timeout + ": " + tail());
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
