package io.cutover.proxy.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A client of another language (kafkajs or librdkafka) in a process of its own, run from
 * {@code src/test/clients}: it reports through an events file of JSON lines ({"error": ...},
 * {"done": true}, and what its role reports) and stops when a stop file appears.
 */
final class ScriptProcess implements AutoCloseable {
    private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Process process;
    private final Path events;
    private final Path stop;
    private final Path log;
    private int parsedLines;
    private final List<String> errors = new ArrayList<>();
    private boolean done;

    private ScriptProcess(String name, Process process, Path events, Path stop, Path log) {
        this.name = name;
        this.process = process;
        this.events = events;
        this.stop = stop;
        this.log = log;
    }

    /** The interpreter and script for {@code kind}: {@code prefix}.js under node, or {@code prefix}.py under python3. */
    static List<String> command(ScriptProducer.Kind kind, String prefix) {
        return kind == ScriptProducer.Kind.KAFKAJS ? List.of("node", CLIENTS.resolve(prefix + ".js").toString())
            : List.of("/usr/bin/python3", CLIENTS.resolve(prefix + ".py").toString());
    }

    static Path clients() {
        return CLIENTS;
    }

    /** Runs {@code command} with {@code args}, then the stop file's and the events file's paths. */
    static ScriptProcess start(String name, List<String> command, List<String> args) {
        try {
            Path dir = Files.createTempDirectory("cutover-" + name);
            Path events = dir.resolve("events.jsonl");
            Files.createFile(events);
            Path stop = dir.resolve("stop");
            Path log = dir.resolve("client.log");
            List<String> all = new ArrayList<>(command);
            all.addAll(args);
            all.addAll(List.of(stop.toString(), events.toString()));
            Process p = new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            return new ScriptProcess(name, p, events, stop, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hands each event line the file gained since the last call to {@code each}, after noting errors and the end. */
    synchronized void refresh(Consumer<JsonNode> each) {
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
                if (n.has("error")) {
                    errors.add(n.get("error").asText());
                }
                if (n.path("done").asBoolean()) {
                    done = true;
                }
                each.accept(n);
            } catch (IOException e) {
                throw new IllegalStateException(name + " events line " + (parsedLines + 1) + ": " + line, e);
            }
        }
    }

    /** What the client reported as errors, and its exit if it ended before it was stopped (call {@link #refresh} first). */
    synchronized List<String> errors() {
        List<String> all = new ArrayList<>(errors);
        if (!process.isAlive() && !done) {
            all.add(name + " exited with " + process.exitValue() + " before it was stopped: " + tail());
        }
        return all;
    }

    /** Asks the client to stop, and waits until it has ended. */
    void stop(Duration timeout) throws InterruptedException {
        if (!stopWithin(timeout)) {
            throw new AssertionError(name + " did not stop within " + timeout + ": " + tail());
        }
    }

    /** Asks the client to stop; false (and the process killed) when it has not ended within {@code timeout}. */
    boolean stopWithin(Duration timeout) throws InterruptedException {
        try {
            Files.writeString(stop, "stop");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return true;
        }
        process.destroyForcibly();
        return false;
    }

    String tail() {
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
