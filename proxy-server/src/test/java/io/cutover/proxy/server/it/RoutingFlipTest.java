package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Topic T flipped source -> target -> source -> target -> source through the admin API while an
 * idempotent producer (acks=all), a classic-protocol consumer group and a KIP-848 consumer group
 * run through the proxy, unmodified and never restarted.
 */
@ExtendWith(KafkaClusterExtension.class)
class RoutingFlipTest {
    private static final int PARTITIONS = 3;
    private static final List<String> FLIPS = List.of("target", "source", "target", "source");

    /** A record as found on a cluster: the flip epoch it was sent in, its partition and sequence. */
    private record Found(int epoch, int partition, int seq, long appendTime) {
    }

    @Test
    void clientsFollowATopicFlippedBackAndForth(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("flip");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                // The broker stamps each record, so "first record on the new cluster" is the broker's clock.
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1)
                    .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
            }
        }
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            AtomicInteger epoch = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            AtomicLong acked = new AtomicLong();
            Map<String, Set<Integer>> epochsSeen = new ConcurrentHashMap<>();

            Thread producer = new Thread(() -> {
                Map<String, Object> config = Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
                int[] seq = new int[PARTITIONS];
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), config)) {
                    while (!stop.get()) {
                        for (int partition = 0; partition < PARTITIONS; partition++) {
                            String value = epoch.get() + ":" + partition + ":" + seq[partition]++;
                            p.send(new ProducerRecord<>(topic, partition, null, value), (md, e) -> {
                                if (e != null) {
                                    errors.add(e);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                        }
                        if (seq[0] % 20 == 0) {
                            p.flush();
                        }
                    }
                    p.flush();
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "flip-producer");
            List<Thread> consumers = new ArrayList<>();
            for (String protocol : List.of("classic", "consumer")) {
                epochsSeen.put(protocol, ConcurrentHashMap.newKeySet());
                consumers.add(new Thread(() -> {
                    try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), Clients.unique("flip-" + protocol),
                        Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol))) {
                        c.subscribe(List.of(topic));
                        while (!stop.get()) {
                            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                                epochsSeen.get(protocol).add(Integer.parseInt(r.value().split(":")[0]));
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                }, "flip-consumer-" + protocol));
            }
            producer.start();
            consumers.forEach(Thread::start);
            awaitEpochEverywhere(0, epochsSeen, errors);

            List<Long> flipStartedAt = new ArrayList<>();
            for (String cluster : FLIPS) {
                flipStartedAt.add(System.currentTimeMillis());
                proxy.flipTopic(topic, cluster);
                int e = epoch.incrementAndGet();
                awaitEpochEverywhere(e, epochsSeen, errors);
            }
            stop.set(true);
            producer.join(60_000);
            for (Thread t : consumers) {
                t.join(30_000);
            }
            assertTrue(errors.isEmpty(), "no send callback or poll saw an exception: " + errors);

            Map<String, List<Found>> onCluster = Map.of("source", readAll(source, topic), "target", readAll(target, topic));
            // Every record sent after a flip is in the cluster that flip named, unless it was still
            // being retried when the next flip started: then it is in that next flip's cluster, and
            // was appended after that flip began. Nothing lands anywhere else.
            int carriedOver = 0;
            for (Map.Entry<String, List<Found>> c : onCluster.entrySet()) {
                for (Found f : c.getValue()) {
                    String named = f.epoch == 0 ? "source" : FLIPS.get(f.epoch - 1);
                    if (named.equals(c.getKey())) {
                        continue;
                    }
                    assertTrue(f.epoch < FLIPS.size() && FLIPS.get(f.epoch).equals(c.getKey())
                            && f.appendTime >= flipStartedAt.get(f.epoch),
                        "record " + f + " sent after flip " + f.epoch + " (to " + named + ") is on " + c.getKey());
                    carriedOver++;
                }
            }
            // Per partition, sequences only grow within each cluster, and no record is written twice.
            Set<String> unique = new HashSet<>();
            for (Map.Entry<String, List<Found>> c : onCluster.entrySet()) {
                int[] last = new int[PARTITIONS];
                java.util.Arrays.fill(last, -1);
                for (Found f : c.getValue()) {
                    assertTrue(f.seq > last[f.partition], "order on " + c.getKey() + " partition " + f.partition + ": " + f.seq + " after " + last[f.partition]);
                    last[f.partition] = f.seq;
                    assertTrue(unique.add(f.partition + ":" + f.seq), "duplicate " + f);
                }
            }
            assertEquals(acked.get(), unique.size(), "every acknowledged record is in exactly one cluster");

            // Time from a flip to the first record of the new epoch appended on the new cluster.
            List<Long> flipToFirstRecordMs = new ArrayList<>();
            for (int e = 1; e <= FLIPS.size(); e++) {
                int epochOf = e;
                long first = onCluster.get(FLIPS.get(e - 1)).stream().filter(f -> f.epoch == epochOf)
                    .mapToLong(Found::appendTime).min().orElseThrow();
                flipToFirstRecordMs.add(first - flipStartedAt.get(e - 1));
            }
            List<Long> sorted = new ArrayList<>(flipToFirstRecordMs);
            Collections.sort(sorted);
            System.out.println("FLIP-TO-FIRST-RECORD-MS " + flipToFirstRecordMs + " median " + sorted.get(sorted.size() / 2)
                + " max " + sorted.get(sorted.size() - 1) + "; records carried over to the next flip's cluster: " + carriedOver
                + " of " + acked.get());
            assertTrue(proxy.metric("cutover_proxy_forced_refresh_total") > 0, "clients were moved by the proxy's errors");
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"OUT_OF_ORDER_SEQUENCE_NUMBER\""));
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_PRODUCER_ID\""));
        }
    }

    private static void awaitEpochEverywhere(int e, Map<String, Set<Integer>> epochsSeen, List<Throwable> errors) {
        Await.until("both consumer groups read records of flip epoch " + e, Duration.ofSeconds(60),
            () -> !errors.isEmpty() || epochsSeen.values().stream().allMatch(s -> s.contains(e)));
        assertTrue(errors.isEmpty(), "no client error: " + errors);
    }

    private static List<Found> readAll(EmbeddedKafkaCluster cluster, String topic) {
        List<Found> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, Map.of())) {
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
}
