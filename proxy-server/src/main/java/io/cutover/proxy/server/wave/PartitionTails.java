package io.cutover.proxy.server.wave;

import io.cutover.proxy.server.config.ClusterConfig;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the last records of a partition. A transactional topic's log ends with control records
 * (commit and abort markers) that MirrorMaker 2 does not copy, so a replicated partition can never
 * look caught up by its end offset alone: the last committed data record tells (a replicator that
 * reads read_committed never copies what aborted transactions wrote). Also tells whether the
 * records that arrived at the end of a fenced partition are only markers, which a transaction
 * coordinator writes after it has answered EndTxn, and which records of a partition's tail belong
 * to aborted transactions. Two consumers per cluster (read_uncommitted and read_committed), made
 * when first needed, used by one switch or gate check at a time (never on the request path); no
 * group, nothing committed.
 */
final class PartitionTails implements AutoCloseable {
    /** How far back to look for the last data record: markers trail it by one per transaction that wrote the partition. */
    private static final long[] WINDOWS = {16, 512, 8192};

    private final Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
    private final Map<String, KafkaConsumer<byte[], byte[]>> consumers = new LinkedHashMap<>();
    private final Map<String, KafkaConsumer<byte[], byte[]>> committedConsumers = new LinkedHashMap<>();
    private final Duration timeout;

    PartitionTails(Collection<ClusterConfig> clusters, Duration timeout) {
        clusters.forEach(c -> this.clusters.put(c.name(), c));
        this.timeout = timeout;
    }

    /** Connects to {@code cluster} and learns where {@code tp} lives, so the first read under a fence is quick. */
    synchronized void warm(String cluster, TopicPartition tp) {
        KafkaConsumer<byte[], byte[]> c = consumer(cluster, false);
        c.partitionsFor(tp.topic(), timeout);
        c.assign(List.of(tp));
        c.seekToEnd(List.of(tp));
        c.position(tp, timeout);
    }

    /**
     * The last data record of {@code tp} below {@code end} that a read_committed consumer sees (none
     * of an aborted transaction, none past an open one), or null when there is none in the last
     * 8,192 offsets.
     */
    synchronized ConsumerRecord<byte[], byte[]> lastCommittedRecord(String cluster, TopicPartition tp, long end) {
        for (long window : WINDOWS) {
            long start = Math.max(0, end - window);
            ConsumerRecord<byte[], byte[]>[] last = new ConsumerRecord[1];
            read(cluster, true, tp, start, end, r -> last[0] = r);
            if (last[0] != null || start == 0) {
                return last[0];
            }
        }
        return null;
    }

    /**
     * The data records of aborted transactions among the last {@code window} offsets of {@code tp}
     * below {@code end}, oldest first: those a read_uncommitted consumer sees and a read_committed
     * one, below the last stable offset, does not.
     */
    synchronized List<ConsumerRecord<byte[], byte[]>> abortedRecords(String cluster, TopicPartition tp, long end, long window) {
        long start = Math.max(0, end - window);
        java.util.Set<Long> committed = new java.util.HashSet<>();
        long stable = read(cluster, true, tp, start, end, r -> committed.add(r.offset()));
        List<ConsumerRecord<byte[], byte[]>> aborted = new java.util.ArrayList<>();
        read(cluster, false, tp, start, stable, r -> {
            if (!committed.contains(r.offset())) {
                aborted.add(r);
            }
        });
        return aborted;
    }

    /**
     * True when one of the last 8,192 records of {@code tp} below {@code end} is a copy of {@code
     * record}; with {@code committedOnly}, one that a read_committed consumer sees.
     */
    synchronized boolean holdsCopyOf(String cluster, boolean committedOnly, TopicPartition tp, long end, ConsumerRecord<byte[], byte[]> record) {
        return holdsCopyOf(cluster, committedOnly, tp, end, record, WINDOWS[WINDOWS.length - 1]);
    }

    /** As above, searching no further back than {@code maxWindow} offsets below {@code end}. */
    synchronized boolean holdsCopyOf(String cluster, boolean committedOnly, TopicPartition tp, long end, ConsumerRecord<byte[], byte[]> record,
                                     long maxWindow) {
        long searched = end;
        for (long w : WINDOWS) {
            long window = Math.min(w, maxWindow);
            long start = Math.max(0, end - window);
            boolean[] found = new boolean[1];
            read(cluster, committedOnly, tp, start, searched, r -> found[0] |= sameRecord(r, record));
            if (found[0]) {
                return true;
            }
            if (start == 0 || window == maxWindow) {
                return false;
            }
            searched = start;
        }
        return false;
    }

    /** How many data records (not markers) lie in [{@code from}, {@code to}) of {@code tp}. */
    synchronized long dataRecords(String cluster, TopicPartition tp, long from, long to) {
        long[] count = new long[1];
        read(cluster, false, tp, from, to, r -> count[0]++);
        return count[0];
    }

    /**
     * True when both records carry the same key, value, headers and timestamp: one is the other's
     * copy. The timestamp counts only where the copy could keep it: a record written without one, or
     * a copy stamped by a LogAppendTime topic, gets the time it was written.
     */
    static boolean sameRecord(ConsumerRecord<byte[], byte[]> a, ConsumerRecord<byte[], byte[]> b) {
        if (a == null || b == null) {
            return false;
        }
        boolean timesComparable = a.timestamp() >= 0 && b.timestamp() >= 0
            && a.timestampType() != TimestampType.LOG_APPEND_TIME && b.timestampType() != TimestampType.LOG_APPEND_TIME;
        return (!timesComparable || a.timestamp() == b.timestamp()) && Arrays.equals(a.key(), b.key())
            && Arrays.equals(a.value(), b.value()) && a.headers().equals(b.headers());
    }

    /**
     * Hands each record of [{@code from}, {@code to}) to {@code each}; a read_committed read stops at
     * the last stable offset if that comes first. Returns where the read stopped.
     */
    private long read(String cluster, boolean committedOnly, TopicPartition tp, long from, long to,
                      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        if (to <= from) {
            return to;
        }
        KafkaConsumer<byte[], byte[]> c = consumer(cluster, committedOnly);
        c.assign(List.of(tp));
        long stop = committedOnly ? Math.min(to, c.endOffsets(List.of(tp), timeout).get(tp)) : to;
        if (stop <= from) {
            return stop;
        }
        c.seek(tp, from);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (c.position(tp, timeout) < stop) {
            if (System.nanoTime() - deadline > 0) {
                throw new ClusterAdmins.ClusterCallException("reading " + tp + " [" + from + ", " + stop + ") on " + cluster + ": not done within "
                    + timeout.toMillis() + " ms", null);
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100)).records(tp)) {
                if (r.offset() < stop) {
                    each.accept(r);
                }
            }
        }
        return stop;
    }

    private KafkaConsumer<byte[], byte[]> consumer(String cluster, boolean committedOnly) {
        return (committedOnly ? committedConsumers : consumers).computeIfAbsent(cluster, name -> {
            ClusterConfig c = clusters.get(name);
            Properties p = new Properties();
            p.putAll(c.security().clientProperties());
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServersString());
            p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cutover-proxy-waves-tails-" + name + (committedOnly ? "-committed" : ""));
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
            // Under a fence every millisecond counts: never wait for more data than is there.
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            return new KafkaConsumer<>(p);
        });
    }

    @Override
    public synchronized void close() {
        consumers.values().forEach(c -> c.close(Duration.ofSeconds(2)));
        consumers.clear();
        committedConsumers.values().forEach(c -> c.close(Duration.ofSeconds(2)));
        committedConsumers.clear();
    }
}
