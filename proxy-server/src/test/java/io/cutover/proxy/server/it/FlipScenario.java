package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The flip scenario every client kind runs: topic T flipped source -> target -> source -> target ->
 * source while the clients produce "epoch:partition:seq" records and consume, then both clusters
 * are read directly and checked. The epoch is the number of flips completed when a record was sent.
 */
final class FlipScenario {
    static final int PARTITIONS = 3;
    static final List<String> FLIPS = List.of("target", "source", "target", "source");

    /** The clients under test, however they run. */
    interface FlipClients extends AutoCloseable {
        /** True once some consumer of every group has read a record of epoch {@code e}. */
        boolean consumedEpoch(int e);

        List<String> errors();

        /** Stops producing and consuming; returns how many records were acknowledged. */
        long stopAndCountAcked() throws Exception;

        @Override
        default void close() throws Exception {
        }
    }

    private record Found(int epoch, int partition, int seq, long appendTime) {
    }

    final String topic;
    final AtomicInteger epoch = new AtomicInteger();
    final Path epochFile;
    private final String source;
    private final String target;
    private final List<Long> flipStartedAt = new ArrayList<>();

    FlipScenario(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String prefix) throws Exception {
        this(source.bootstrapServers(), target.bootstrapServers(), prefix);
    }

    /** With the clusters' bootstrap servers, for clusters that are not embedded (an older broker process). */
    FlipScenario(String source, String target, String prefix) throws Exception {
        this.source = source;
        this.target = target;
        this.topic = Clients.unique(prefix);
        for (String c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c)) {
                // The broker stamps each record, so "first record on the new cluster" is the broker's clock.
                io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")));
            }
        }
        this.epochFile = Files.createTempFile("flip-epoch", ".txt");
        Files.writeString(epochFile, "0");
    }

    /** Runs the flips, then verifies; returns the milliseconds from each flip to its first record on the new cluster. */
    List<Long> run(RunningProxy proxy, FlipClients clients, Duration perStep) throws Exception {
        awaitEpoch(0, clients, perStep);
        for (String cluster : FLIPS) {
            flipStartedAt.add(System.currentTimeMillis());
            proxy.flipTopic(topic, cluster);
            int e = epoch.incrementAndGet();
            Files.writeString(epochFile, String.valueOf(e));
            awaitEpoch(e, clients, perStep);
        }
        long acked = clients.stopAndCountAcked();
        assertTrue(clients.errors().isEmpty(), "no client saw an error: " + clients.errors());
        return verify(acked);
    }

    private static void awaitEpoch(int e, FlipClients clients, Duration timeout) {
        Await.until("every consumer group reads records of flip epoch " + e, timeout,
            () -> !clients.errors().isEmpty() || clients.consumedEpoch(e));
        assertTrue(clients.errors().isEmpty(), "no client error: " + clients.errors());
    }

    private List<Long> verify(long acked) {
        Map<String, List<Found>> onCluster = Map.of("source", readAll(source), "target", readAll(target));
        // A record sent after a flip is in the cluster that flip named, unless it was still being
        // retried when the next flip started: then it is in that flip's cluster, appended after the
        // flip began. Nothing lands anywhere else.
        for (Map.Entry<String, List<Found>> c : onCluster.entrySet()) {
            for (Found f : c.getValue()) {
                String named = f.epoch == 0 ? "source" : FLIPS.get(f.epoch - 1);
                if (named.equals(c.getKey())) {
                    continue;
                }
                assertTrue(f.epoch < FLIPS.size() && FLIPS.get(f.epoch).equals(c.getKey()) && f.appendTime >= flipStartedAt.get(f.epoch),
                    "record " + f + " sent after flip " + f.epoch + " (to " + named + ") is on " + c.getKey());
            }
        }
        // Per partition, sequences only grow within each cluster, and no record is written twice.
        Set<String> unique = new HashSet<>();
        for (Map.Entry<String, List<Found>> c : onCluster.entrySet()) {
            int[] last = new int[PARTITIONS];
            java.util.Arrays.fill(last, -1);
            for (Found f : c.getValue()) {
                assertTrue(f.seq > last[f.partition], "order on " + c.getKey() + " partition " + f.partition + ": " + f.seq
                    + " after " + last[f.partition]);
                last[f.partition] = f.seq;
                assertTrue(unique.add(f.partition + ":" + f.seq), "duplicate " + f);
            }
        }
        assertEquals(acked, unique.size(), "every acknowledged record is in exactly one cluster");
        List<Long> flipToFirstRecordMs = new ArrayList<>();
        for (int e = 1; e <= FLIPS.size(); e++) {
            int epochOf = e;
            long first = onCluster.get(FLIPS.get(e - 1)).stream().filter(f -> f.epoch == epochOf)
                .mapToLong(Found::appendTime).min().orElseThrow();
            flipToFirstRecordMs.add(first - flipStartedAt.get(e - 1));
        }
        return flipToFirstRecordMs;
    }

    static String summary(List<Long> ms) {
        List<Long> sorted = new ArrayList<>(ms);
        Collections.sort(sorted);
        return ms + " median " + sorted.get(sorted.size() / 2) + " max " + sorted.get(sorted.size() - 1);
    }

    private List<Found> readAll(String cluster) {
        List<Found> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster, null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            Map<TopicPartition, Long> position = new HashMap<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (tps.stream().anyMatch(tp -> position.getOrDefault(tp, 0L) < end.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "timed out reading " + topic + " directly");
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    String[] parts = r.value().split(":");
                    out.add(new Found(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), r.timestamp()));
                    position.put(new TopicPartition(topic, r.partition()), r.offset() + 1);
                }
            }
        }
        return out;
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
