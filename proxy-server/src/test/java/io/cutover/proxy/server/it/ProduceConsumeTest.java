package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Producers and consumers that talk only to the proxy: every record arrives once and in order per
 * partition, whatever the acks, for both group protocols and for transactions.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProduceConsumeTest {
    private static final int PARTITIONS = 3;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static RunningProxy proxy;
    private static String direct;

    @BeforeAll
    static void startProxy(EmbeddedKafkaCluster cluster) {
        proxy = RunningProxy.in(cluster);
        direct = cluster.bootstrapServers();
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    private static String newTopic() throws Exception {
        String topic = Clients.unique("produce-consume");
        try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        // The controller has the topic; the broker may not lead its partitions yet (its metadata can
        // name itself leader a moment before its log manager has the partition). An acks=0 write
        // that meets such a partition makes the broker close the connection, and every write already
        // on its way is lost, as acks=0 allows. ListOffsets is answered by the partition's log, so
        // once it answers for every partition, writes land.
        try (Admin broker = Clients.admin(direct)) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> spec = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                spec.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            io.cutover.proxy.server.testkit.Await.until("the broker serves every partition of " + topic, Duration.ofSeconds(30), () -> {
                try {
                    return broker.listOffsets(spec).all().get(2, java.util.concurrent.TimeUnit.SECONDS).size() == PARTITIONS;
                } catch (Exception e) {
                    return false;
                }
            });
        }
        return topic;
    }

    /** Sends {@code perPartition} records to each partition; the value is the record's sequence in its partition. */
    private static void produce(KafkaProducer<String, String> producer, String topic, int perPartition) throws Exception {
        List<java.util.concurrent.Future<?>> sends = new ArrayList<>();
        for (int seq = 0; seq < perPartition; seq++) {
            for (int p = 0; p < PARTITIONS; p++) {
                sends.add(producer.send(new ProducerRecord<>(topic, p, "k" + seq, String.valueOf(seq))));
            }
        }
        producer.flush();
        for (java.util.concurrent.Future<?> f : sends) {
            f.get();
        }
    }

    /** Consumes until every partition has {@code perPartition} records; fails on a duplicate or a gap. */
    private static Map<Integer, List<Integer>> consumeAll(KafkaConsumer<String, String> consumer, int perPartition) {
        Map<Integer, List<Integer>> seen = new HashMap<>();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (seen.values().stream().mapToInt(List::size).sum() < perPartition * PARTITIONS) {
            assertTrue(System.nanoTime() < deadline, () -> "timed out consuming; got " + counts(seen) + "; the broker holds "
                + brokerEnds(consumer.subscription().iterator().next()) + "; proxy errors: " + proxyErrors());
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                seen.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(Integer.parseInt(r.value()));
            }
        }
        return seen;
    }

    /** The topic's end offsets as the broker itself has them: tells lost writes from a stuck reader. */
    private static Map<TopicPartition, Long> brokerEnds(String topic) {
        try (Admin admin = Clients.admin(direct)) {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> spec = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                spec.put(new TopicPartition(topic, p), org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(spec).all().get().forEach((tp, r) -> out.put(tp, r.offset()));
            return out;
        } catch (Exception e) {
            return Map.of();
        }
    }

    private static String proxyErrors() {
        return proxy.server().meterRegistry().scrape().lines().filter(l -> l.startsWith("cutover_proxy_errors_total")).toList().toString();
    }

    private static Map<Integer, Integer> counts(Map<Integer, List<Integer>> seen) {
        Map<Integer, Integer> c = new HashMap<>();
        seen.forEach((p, l) -> c.put(p, l.size()));
        return c;
    }

    private static void assertOnceInOrder(Map<Integer, List<Integer>> seen, int perPartition) {
        assertEquals(PARTITIONS, seen.size(), "every partition delivered records");
        for (Map.Entry<Integer, List<Integer>> e : seen.entrySet()) {
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < perPartition; i++) {
                expected.add(i);
            }
            assertEquals(expected, e.getValue(), "partition " + e.getKey() + " has every record once, in order");
        }
    }

    @ParameterizedTest(name = "acks={0}")
    @ValueSource(strings = {"all", "1", "0"})
    void everyRecordArrivesOnceAndInOrder(String acks) throws Exception {
        String topic = newTopic();
        int perPartition = 2000;
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.ACKS_CONFIG, acks);
        // Idempotence needs acks=all; acks=1 and acks=0 run without it, one request in flight so that
        // a retry cannot reorder records.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all"));
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, acks.equals("all") ? 5 : 1);
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 4096);
        try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), config)) {
            produce(producer, topic, perPartition);
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), Map.of())) {
            consumer.subscribe(List.of(topic));
            assertOnceInOrder(consumeAll(consumer, perPartition), perPartition);
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void consumerGroupSharesPartitionsAndCommits(String protocol) throws Exception {
        String topic = newTopic();
        String group = Clients.unique("group-" + protocol);
        int perPartition = 500;
        try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
            produce(producer, topic, perPartition);
        }
        Map<String, Object> config = Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        Set<TopicPartition> assignedToA = ConcurrentHashMap.newKeySet();
        Set<TopicPartition> assignedToB = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Thread a = groupMember(topic, group, config, seen, assignedToA, stop, failures);
        Thread b = groupMember(topic, group, config, seen, assignedToB, stop, failures);
        a.start();
        b.start();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (seen.values().stream().mapToInt(List::size).sum() < perPartition * PARTITIONS && failures.isEmpty()) {
            assertTrue(System.nanoTime() < deadline, () -> "timed out consuming; got " + counts(seen) + "; the broker holds "
                + brokerEnds(topic) + "; proxy errors: " + proxyErrors());
            Thread.onSpinWait();
        }
        stop.set(true);
        a.join(30_000);
        b.join(30_000);
        assertTrue(failures.isEmpty(), "consumer failures: " + failures);
        assertOnceInOrder(seen, perPartition);
        assertEquals(Set.of(), intersection(assignedToA, assignedToB), "no partition owned by both members at the end");

        // The group committed through the proxy: a new member of the group finds nothing left to read.
        try (KafkaConsumer<String, String> late = Clients.consumer(proxy.bootstrapServers(), group, config)) {
            late.subscribe(List.of(topic));
            Map<TopicPartition, Long> committed = new HashMap<>();
            Await.untilCommitted(late, topic, PARTITIONS, perPartition, committed);
            committed.values().forEach(offset -> assertEquals(perPartition, offset));
        }
    }

    private static Set<TopicPartition> intersection(Set<TopicPartition> a, Set<TopicPartition> b) {
        Set<TopicPartition> both = new java.util.HashSet<>(a);
        both.retainAll(b);
        return both;
    }

    private static Thread groupMember(String topic, String group, Map<String, Object> config, Map<Integer, List<Integer>> seen,
                                      Set<TopicPartition> assigned, AtomicBoolean stop, List<Throwable> failures) {
        return new Thread(() -> {
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), group, config)) {
                consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        assigned.removeAll(partitions);
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        assigned.addAll(partitions);
                    }
                });
                while (!stop.get()) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    for (ConsumerRecord<String, String> r : records) {
                        seen.computeIfAbsent(r.partition(), k -> new CopyOnWriteArrayList<>()).add(Integer.parseInt(r.value()));
                    }
                    if (!records.isEmpty()) {
                        consumer.commitSync();
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        }, "member-" + group);
    }

    @Test
    void transactionalProducerIsReadCommitted() throws Exception {
        String topic = newTopic();
        Map<String, Object> config = Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("txn"));
        int committedPerPartition = 0;
        try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), config)) {
            producer.initTransactions();
            for (int txn = 0; txn < 10; txn++) {
                producer.beginTransaction();
                boolean commit = txn % 3 != 2;
                for (int i = 0; i < 20; i++) {
                    for (int p = 0; p < PARTITIONS; p++) {
                        String value = commit ? String.valueOf(committedPerPartition + i) : "aborted";
                        producer.send(new ProducerRecord<>(topic, p, null, value));
                    }
                }
                if (commit) {
                    producer.commitTransaction();
                    committedPerPartition += 20;
                } else {
                    producer.flush();
                    producer.abortTransaction();
                }
            }
        }
        Map<String, Object> readCommitted = Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), readCommitted)) {
            consumer.subscribe(List.of(topic));
            assertOnceInOrder(consumeAll(consumer, committedPerPartition), committedPerPartition);
            // Nothing from the aborted transactions follows the committed records.
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                throw new AssertionError("unexpected record after the committed ones: " + r);
            }
        }
    }

    /** Waits on the group's committed offsets through the proxy. */
    private static final class Await {
        static void untilCommitted(KafkaConsumer<String, String> consumer, String topic, int partitions, long expected,
                                   Map<TopicPartition, Long> into) {
            Set<TopicPartition> tps = new java.util.HashSet<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            var committed = consumer.committed(tps, Duration.ofSeconds(30));
            committed.forEach((tp, om) -> into.put(tp, om == null ? -1L : om.offset()));
            assertEquals(partitions, into.size(), "committed offsets for every partition");
        }
    }
}
