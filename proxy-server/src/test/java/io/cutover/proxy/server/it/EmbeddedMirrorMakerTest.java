package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.mirror.MirrorTopic;
import io.cutover.proxy.server.mirror.MirrorTopics;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.OffsetSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MirrorMaker 2 inside the JVM between two real KRaft clusters: the topic arrives on the target under
 * its own name with the same partitions and offsets, offset syncs pair source and target offsets,
 * and a group's committed source offsets come back as checkpoints translated to the target.
 */
@ExtendWith(KafkaClusterExtension.class)
class EmbeddedMirrorMakerTest {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedMirrorMakerTest.class);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int PARTITIONS = 3;
    private static final int RECORDS = 1000;

    @Test
    void replicatesATopicAndCheckpointsAGroup(@Brokers(name = "source") EmbeddedKafkaCluster source,
                                              @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("mm2-orders");
        String group = Clients.unique("mm2-group");
        try (Admin sourceAdmin = Clients.admin(source.bootstrapServers()); Admin targetAdmin = Clients.admin(target.bootstrapServers())) {
            sourceAdmin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
            produce(source.bootstrapServers(), topic);
            Map<TopicPartition, Long> sourceEnd = endOffsets(sourceAdmin, topic);
            assertEquals(RECORDS, sourceEnd.values().stream().mapToLong(Long::longValue).sum());
            Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();

            long t0 = System.nanoTime();
            EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                Pattern.quote(topic), Pattern.quote(group), Map.of());
            try {
                long started = System.nanoTime();
                assertEquals(new MirrorTopic("mm2-offset-syncs.target.internal", "source", source.bootstrapServers()), mm.offsetSyncsTopic());
                assertEquals(new MirrorTopic("source.checkpoints.internal", "target", target.bootstrapServers()), mm.checkpointsTopic());

                Await.until("the topic on the target with " + PARTITIONS + " partitions", DEADLINE,
                    () -> partitionCount(targetAdmin, topic) == PARTITIONS);
                long topicCreated = System.nanoTime();
                Await.until("all records on the target", DEADLINE, () -> endOffsets(targetAdmin, topic), sourceEnd::equals);
                long replicated = System.nanoTime();
                assertEquals(readAll(source.bootstrapServers(), topic, sourceEnd), readAll(target.bootstrapServers(), topic, sourceEnd),
                    "the same records at the same partitions and offsets");

                Map<Integer, List<OffsetSync>> syncs = Await.until("an offset sync for the last record of every partition", DEADLINE,
                    () -> syncsByPartition(mm.offsetSyncsTopic(), topic),
                    m -> sourceEnd.entrySet().stream().allMatch(e -> m.getOrDefault(e.getKey().partition(), List.of()).stream()
                        .anyMatch(s -> s.upstreamOffset() == e.getValue() - 1)));
                long synced = System.nanoTime();
                syncs.values().forEach(list -> list.forEach(s ->
                    assertEquals(s.upstreamOffset(), s.downstreamOffset(), "identical offsets on a fresh target topic: " + s)));

                TopicPartition caughtUp = new TopicPartition(topic, 0);
                TopicPartition halfway = new TopicPartition(topic, 1);
                long halfwayOffset = sourceEnd.get(halfway) / 2;
                commit(source.bootstrapServers(), group, Map.of(caughtUp, sourceEnd.get(caughtUp), halfway, halfwayOffset));
                long committed = System.nanoTime();
                Map<TopicPartition, Checkpoint> checkpoints = Await.until("a checkpoint of the caught-up partition", DEADLINE,
                    () -> latestCheckpoints(mm.checkpointsTopic(), group),
                    m -> m.containsKey(caughtUp) && m.get(caughtUp).upstreamOffset() == sourceEnd.get(caughtUp));
                long checkpointed = System.nanoTime();

                // A group at the end of a partition translates exactly: its last record always gets a sync.
                assertEquals(sourceEnd.get(caughtUp), checkpoints.get(caughtUp).downstreamOffset());
                // Elsewhere MM2 translates to one past the nearest sync at or below the group's offset, never
                // beyond it; with no such sync kept (a backlog copied in one burst may leave a single sync at
                // the end) it emits no checkpoint at all. Checkpoints of one group are written together.
                Checkpoint mid = checkpoints.get(halfway);
                if (mid != null) {
                    assertEquals(halfwayOffset, mid.upstreamOffset());
                    assertTrue(mid.downstreamOffset() >= 0 && mid.downstreamOffset() <= halfwayOffset, "conservative: " + mid);
                }

                log.info("MM2 timings: start() {} ms; topic on target after {} ms; all {} records after {} ms; last offset syncs after {} ms;"
                        + " checkpoints {} ms after the commit",
                    ms(t0, started), ms(t0, topicCreated), RECORDS, ms(t0, replicated), ms(t0, synced), ms(committed, checkpointed));
                log.info("offset syncs per partition: {}", syncs.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                    e -> e.getValue().size())));
                log.info("offset syncs of partition 0: {}", syncs.get(0));
                log.info("checkpoints: {}", checkpoints.values());
            } finally {
                long closing = System.nanoTime();
                mm.close();
                log.info("MM2 close() took {} ms", ms(closing, System.nanoTime()));
                mm.close(); // a second close is a no-op
            }
            Await.until("MirrorMaker's threads to end", Duration.ofSeconds(30), () -> newThreads(threadsBefore), List::isEmpty);
        }
    }

    /**
     * A transaction the source aborted must not appear on the target. MM2's source consumer reads
     * read_uncommitted unless told otherwise, and copies as plain records (which every consumer on
     * the target then reads) whatever an aborted transaction wrote: a Kafka Streams application
     * whose transaction aborted on the source and was processed again then has its output twice
     * on the target after a switch.
     */
    @Test
    void copiesWhatTransactionsCommittedAndNothingTheyAborted(@Brokers(name = "source") EmbeddedKafkaCluster source,
                                                             @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("mm2-txn");
        try (Admin sourceAdmin = Clients.admin(source.bootstrapServers())) {
            sourceAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = Clients.producer(source.bootstrapServers(),
            Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("mm2-txn-writer")))) {
            producer.initTransactions();
            transaction(producer, topic, List.of("committed-1", "committed-2"), true);
            transaction(producer, topic, List.of("aborted-1", "aborted-2", "aborted-3"), false);
            transaction(producer, topic, List.of("committed-3"), true);
        }
        EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
            Pattern.quote(topic), "none", Map.of());
        try {
            List<String> onTarget = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(target.bootstrapServers(), null,
                Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
                TopicPartition tp = new TopicPartition(topic, 0);
                Await.until("the last committed record on the target", DEADLINE, () -> {
                    if (consumer.assignment().isEmpty()) {
                        if (consumer.partitionsFor(topic, Duration.ofSeconds(5)).isEmpty()) {
                            return false;
                        }
                        consumer.assign(List.of(tp));
                        consumer.seekToBeginning(List.of(tp));
                    }
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> onTarget.add(r.value()));
                    return onTarget.contains("committed-3");
                });
            }
            assertEquals(List.of("committed-1", "committed-2", "committed-3"), onTarget);
        } finally {
            mm.close();
        }
    }

    private static void transaction(KafkaProducer<String, String> producer, String topic, List<String> values, boolean commit) {
        producer.beginTransaction();
        values.forEach(v -> producer.send(new ProducerRecord<>(topic, 0, v, v)));
        producer.flush();
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.abortTransaction();
        }
    }

    private static void produce(String bootstrap, String topic) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of())) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, "v" + i));
            }
            producer.flush();
        }
    }

    private static void commit(String bootstrap, String group, Map<TopicPartition, Long> offsets) {
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, group, Map.of())) {
            consumer.assign(offsets.keySet());
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            offsets.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset)));
            consumer.commitSync(commit);
        }
    }

    private static int partitionCount(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().size();
        } catch (ExecutionException e) {
            return 0; // not there yet
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try {
            return admin.listOffsets(request).all().get(10, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (ExecutionException e) {
            return Map.of(); // topic not there yet
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** partition:offset:key:value of every record below {@code end}. */
    private static List<String> readAll(String bootstrap, String topic, Map<TopicPartition, Long> end) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, null, Map.of())) {
            consumer.assign(end.keySet());
            consumer.seekToBeginning(end.keySet());
            Await.until("reading " + topic + " to " + end, DEADLINE, () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    out.add(r.partition() + ":" + r.offset() + ":" + r.key() + ":" + r.value());
                }
                return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        out.sort(null);
        return out;
    }

    private static Map<Integer, List<OffsetSync>> syncsByPartition(MirrorTopic offsetSyncs, String topic) {
        return MirrorTopics.offsetSyncs(offsetSyncs, Duration.ofSeconds(10)).stream()
            .filter(s -> s.topicPartition().topic().equals(topic))
            .collect(Collectors.groupingBy(s -> s.topicPartition().partition()));
    }

    private static Map<TopicPartition, Checkpoint> latestCheckpoints(MirrorTopic checkpoints, String group) {
        Map<TopicPartition, Checkpoint> latest = new HashMap<>();
        for (Checkpoint c : MirrorTopics.checkpoints(checkpoints, Duration.ofSeconds(10))) {
            if (c.consumerGroupId().equals(group)) {
                latest.put(c.topicPartition(), c);
            }
        }
        return latest;
    }

    /** Threads started since {@code before}, except the brokers' own, which they start lazily on first use. */
    private static List<String> newThreads(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && !before.contains(t))
            .filter(t -> !t.getName().startsWith("executor-") && !t.getName().startsWith("kafka-scheduler-"))
            .map(Thread::getName)
            .sorted()
            .toList();
    }

    private static long ms(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1_000_000;
    }
}
