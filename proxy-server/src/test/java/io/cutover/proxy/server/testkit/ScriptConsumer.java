package io.cutover.proxy.server.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A consumer group member of another language in a process of its own (kafkajs through
 * {@code soak_consumer.js}, librdkafka through {@code soak_consumer.py}): it subscribes to one
 * topic in a classic group, from the beginning, commits as it goes, and reports every record it
 * reads ("partition:value", in the order read, again if read again) through an events file.
 */
public final class ScriptConsumer implements AutoCloseable {
    private final ScriptProducer.Kind kind;
    private final String group;
    private final ScriptProcess process;
    private final List<String> read = new ArrayList<>();
    private int restarts;
    private String stoppedLate;

    private ScriptConsumer(ScriptProducer.Kind kind, String group, ScriptProcess process) {
        this.kind = kind;
        this.group = group;
        this.process = process;
    }

    public static ScriptConsumer start(ScriptProducer.Kind kind, String bootstrap, String topic, String group, String name) {
        return new ScriptConsumer(kind, group, ScriptProcess.start(kind.name().toLowerCase() + "-consumer",
            ScriptProcess.command(kind, "soak_consumer"), List.of(bootstrap, topic, group, name)));
    }

    public ScriptProducer.Kind kind() {
        return kind;
    }

    public String group() {
        return group;
    }

    private void refresh() {
        process.refresh(n -> {
            n.path("read").forEach(r -> read.add(r.asText()));
            if (n.has("restart")) {
                restarts++;
            }
        });
    }

    /** Every record read so far, "partition:value", in the order read. */
    public synchronized List<String> consumed() {
        refresh();
        return List.copyOf(read);
    }

    /** How often the client restarted its consumer after a crash it reported (kafkajs does so itself). */
    public synchronized int restarts() {
        refresh();
        return restarts;
    }

    /** What the client reported as errors, and its exit if it ended before it was stopped. */
    public synchronized List<String> errors() {
        refresh();
        List<String> errors = new java.util.ArrayList<>(process.errors());
        if (stoppedLate != null) {
            errors.add(stoppedLate);
        }
        return errors;
    }

    /**
     * Asks the member to stop; one that has not ended within {@code timeout} is killed, and that is
     * one of its {@link #errors()}: what it read is already reported, so its row is scored all the same.
     */
    public void stop(Duration timeout) throws InterruptedException {
        if (!process.stopWithin(timeout)) {
            synchronized (this) {
                stoppedLate = "did not end within " + timeout + " of being stopped: " + process.tail();
            }
        }
    }

    @Override
    public void close() {
        process.close();
    }
}
