package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.wave.PartitionSyncs;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.mirror.OffsetSync;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows MirrorMaker 2's offset-syncs topic from its start, keeping each replicated partition's
 * (source offset, target offset) pairs. One thread, polling; readers take a snapshot under the lock.
 */
public final class OffsetSyncReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetSyncReader.class);

    private final String topic;
    private final Map<TopicPartition, PartitionSyncs> syncs = new HashMap<>();
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;
    /** True when the last poll left nothing to read (by the fetched high watermarks). */
    private volatile boolean caughtUp;
    /**
     * The topics whose syncs are kept: those of waves still to move or move back. MM2 writes syncs
     * for every partition it replicates, which may be thousands; only these are worth memory.
     */
    private volatile Set<String> followed = Set.of();
    /** Set when {@link #follow} adds a topic: its history is read again from the beginning. */
    private volatile boolean rewind;

    /** @param security the cluster's security.protocol, ssl.* and sasl.* client properties */
    public OffsetSyncReader(String bootstrapServers, Map<String, Object> security, String topic) {
        this.topic = topic;
        Properties p = new Properties();
        p.putAll(security);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cutover-proxy-offset-syncs");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "cutover-offset-syncs");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long nextLookup = 0;
        while (running) {
            try {
                if (!assigned) {
                    if (System.nanoTime() < nextLookup) {
                        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                        continue;
                    }
                    nextLookup = System.nanoTime() + 1_000_000_000L;
                    var infos = consumer.partitionsFor(topic, Duration.ofSeconds(2));
                    if (infos == null || infos.isEmpty()) {
                        continue; // MM2 creates it on its first sync
                    }
                    List<TopicPartition> tps = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                    consumer.assign(tps);
                    consumer.seekToBeginning(tps);
                    assigned = true;
                }
                if (rewind) {
                    rewind = false;
                    caughtUp = false;
                    consumer.seekToBeginning(consumer.assignment());
                }
                var records = consumer.poll(Duration.ofMillis(50));
                Set<String> keep = followed;
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    OffsetSync s = OffsetSync.deserializeRecord(r);
                    if (!keep.contains(s.topicPartition().topic())) {
                        continue;
                    }
                    synchronized (syncs) {
                        syncs.computeIfAbsent(s.topicPartition(), tp -> new PartitionSyncs()).add(s.upstreamOffset(), s.downstreamOffset());
                    }
                }
                boolean behind = false;
                for (TopicPartition tp : consumer.assignment()) {
                    var lag = consumer.currentLag(tp);
                    behind |= lag.isEmpty() || lag.getAsLong() > 0;
                }
                caughtUp = !behind;
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("reading {}: {}", topic, e.toString());
                java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
            }
        }
    }

    /**
     * Keeps the syncs of {@code topics} from now on and forgets the others. A topic not followed
     * before has its syncs read again from the start of the syncs topic (a switch waits for that
     * through {@link #awaitCaughtUp}).
     */
    public void follow(Set<String> topics) {
        Set<String> before = followed;
        Set<String> now = Set.copyOf(topics);
        followed = now;
        synchronized (syncs) {
            syncs.keySet().removeIf(tp -> !now.contains(tp.topic()));
        }
        if (!before.containsAll(now)) {
            caughtUp = false;
            rewind = true;
        }
    }

    /** Partitions whose syncs are kept now. */
    public int partitionsKept() {
        synchronized (syncs) {
            return syncs.size();
        }
    }

    /** A copy of one partition's pairs, or null when MM2 has written none for it yet. */
    public PartitionSyncs syncs(TopicPartition tp) {
        synchronized (syncs) {
            PartitionSyncs s = syncs.get(tp);
            if (s == null) {
                return null;
            }
            return s.copy();
        }
    }

    public boolean following() {
        return assigned;
    }

    /**
     * Waits until the reader has read the syncs topic to its end, at most {@code timeout}: a proxy
     * that just started reads the whole topic first, and a switch should not hold writes for that.
     */
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!(assigned && caughtUp)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        }
        return true;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close(Duration.ofSeconds(1));
    }
}
