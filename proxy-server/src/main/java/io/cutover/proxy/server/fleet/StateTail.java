package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the state topic from its start and keeps the latest entry of each entity. It reads only
 * committed records: every write is a transaction that checked the version it replaces, so the
 * committed records are already in version order, and an aborted write (a writer fenced by
 * another) is never seen. Listeners run on one thread of their own, so a slow listener (one that
 * waits for a lock held by a writer waiting for this tail) never stops the reading.
 */
final class StateTail implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateTail.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TopicPartition partition;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, List<Consumer<StateEntry>>> listeners = new ConcurrentHashMap<>();
    private final List<Map.Entry<String, Consumer<StateEntry>>> prefixListeners = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatch;
    private final Thread thread;
    private final Object progress = new Object();
    /** Updated in place: producer id mappings can make it large, and one record must not copy it all. */
    private final Map<String, StateEntry> entries = new ConcurrentHashMap<>();
    private volatile long position;
    private volatile long applied;
    private volatile boolean closed;

    StateTail(String topic, Properties client) {
        this.partition = new TopicPartition(topic, 0);
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.dispatch = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fleet-state-listeners");
            t.setDaemon(true);
            return t;
        });
        this.thread = new Thread(this::run, "fleet-state-tail");
        thread.setDaemon(true);
    }

    void start() {
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        thread.start();
    }

    /** The latest entry of {@code entity}, or null when none was ever written (or it was deleted). */
    StateEntry entry(String entity) {
        return entries.get(entity);
    }

    /** A live, read-only view: iterating it sees each entity once, at some version read so far. */
    Map<String, StateEntry> entries() {
        return java.util.Collections.unmodifiableMap(entries);
    }

    /** The next offset this tail will read. */
    long position() {
        return position;
    }

    void onChange(String entity, Consumer<StateEntry> listener) {
        listeners.computeIfAbsent(entity, e -> new CopyOnWriteArrayList<>()).add(listener);
    }

    /** Like {@link #onChange}, for every entity whose name starts with {@code prefix} (waves, fences). */
    void onChangePrefix(String prefix, Consumer<StateEntry> listener) {
        prefixListeners.add(Map.entry(prefix, listener));
    }

    /** Waits until everything below {@code offset} has been read; false when {@code timeout} passed first. */
    boolean awaitPosition(long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (position < offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /**
     * The offset up to which every record read has also been applied by the listeners (a flipped
     * route table adopted, say): what may be trusted of this instance's view, where {@link #position}
     * is only what was read.
     */
    long appliedPosition() {
        return applied;
    }

    /** Waits until every change handed to the listeners before this call has been applied by them. */
    boolean awaitListeners(Duration timeout) throws InterruptedException {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        dispatch.execute(done::countDown);
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            while (!closed) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    apply(r);
                }
                long now = consumer.position(partition);
                if (now != position) {
                    synchronized (progress) {
                        position = now;
                        progress.notifyAll();
                    }
                    // Queued behind the listeners of what was just read: once it runs, they have applied it.
                    dispatch.execute(() -> applied = now);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            // The consumer retries broker outages itself; what reaches here is not retriable (authorization, a deleted topic).
            LOG.error("fleet state: cannot read the state topic any more, this instance's view of the fleet stops here", e);
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void apply(ConsumerRecord<String, byte[]> r) {
        String entity = r.key();
        if (entity == null) {
            return;
        }
        if (r.value() == null) {
            entries.remove(entity);
            return;
        }
        StateEntry entry;
        try {
            JsonNode v = JSON.readTree(r.value());
            entry = new StateEntry(entity, v.path("version").asLong(), v.path("writer").asText(), v.path("body"), r.offset());
        } catch (IOException e) {
            LOG.warn("fleet state: record at offset {} for {} is not JSON, skipped", r.offset(), entity);
            return;
        }
        StateEntry before = entries.get(entity);
        if (before != null && entry.version() <= before.version()) {
            // Writes are checked before they commit, so this only happens if someone else writes the topic.
            LOG.warn("fleet state: {} version {} at offset {} does not follow version {}, skipped", entity, entry.version(), r.offset(),
                before.version());
            return;
        }
        entries.put(entity, entry);
        List<Consumer<StateEntry>> ls = listeners.get(entity);
        if (ls != null) {
            ls.forEach(l -> notify(l, entry));
        }
        for (Map.Entry<String, Consumer<StateEntry>> p : prefixListeners) {
            if (entity.startsWith(p.getKey())) {
                notify(p.getValue(), entry);
            }
        }
    }

    private void notify(Consumer<StateEntry> listener, StateEntry entry) {
        dispatch.execute(() -> {
            try {
                listener.accept(entry);
            } catch (RuntimeException e) {
                LOG.warn("fleet state: applying {} version {} failed: {}", entry.entity(), entry.version(), e.toString());
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dispatch.shutdownNow();
        synchronized (progress) {
            progress.notifyAll();
        }
    }
}
