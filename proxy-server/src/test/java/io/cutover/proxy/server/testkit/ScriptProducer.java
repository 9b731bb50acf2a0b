package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

        /** Null when this client can run here; else why not. */
        public String unavailableBecause() {
            List<String> probe = this == KAFKAJS
                ? List.of("node", "-e", "require('" + ScriptProcess.clients().resolve("node_modules/kafkajs") + "')")
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

    private final Kind kind;
    private final String topic;
    private final ScriptProcess process;
    private final Set<String> acked = new HashSet<>();

    private ScriptProducer(Kind kind, String topic, ScriptProcess process) {
        this.kind = kind;
        this.topic = topic;
        this.process = process;
    }

    public static ScriptProducer start(Kind kind, String bootstrap, String topic, int partitions, String name) {
        return new ScriptProducer(kind, topic, ScriptProcess.start(kind.name().toLowerCase(), ScriptProcess.command(kind, "soak_producer"),
            List.of(bootstrap, topic, String.valueOf(partitions), name)));
    }

    public Kind kind() {
        return kind;
    }

    public String topic() {
        return topic;
    }

    private void refresh() {
        process.refresh(n -> n.path("acked").forEach(a -> acked.add(a.asText())));
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
        return process.errors();
    }

    /** Asks the client to stop, and waits until it has flushed what it sent. */
    public void stop(Duration timeout) throws InterruptedException {
        process.stop(timeout);
    }

    @Override
    public void close() {
        process.close();
    }
}
