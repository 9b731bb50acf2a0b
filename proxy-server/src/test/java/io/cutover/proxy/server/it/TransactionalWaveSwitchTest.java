package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding 6 of "cutover under fire": a busy transactional producer (a transaction every few
 * milliseconds, as a Kafka Streams application on exactly_once_v2 commits every 100 ms, here
 * faster) writing a wave's topic through the proxy, with MirrorMaker 2 copying to the target. Before,
 * the wave never became READY (a transaction was always open), and a switch in a quiet moment held
 * writes for the whole fence timeout: MM2 does not copy commit markers, so the topic never looked
 * caught up by its end offset. Now the wave moves the producer's transactional id with it, at a
 * transaction boundary: the transaction in progress ends, the next one waits at the proxy, and
 * begins on the target after the switch.
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionalWaveSwitchTest {

    @Test
    void aBusyTransactionalProducerMovesWithItsWaveBetweenTwoTransactions(EmbeddedKafkaCluster source,
                                                                        @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("txn-wave");
        String transactionalId = Clients.unique("busy-txn");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             BusyTransactions load = new BusyTransactions(proxy.bootstrapServers(), topic, transactionalId)) {
            Await.until("100 transactions committed through the proxy", Duration.ofSeconds(60), () -> load.committed() >= 100);

            createReady(proxy, "txn-wave", topic, List.of());
            int before = load.committed();
            HttpResponse<String> switched = proxy.send("POST", "/waves/txn-wave/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            System.out.println("TXN-WAVE-SWITCH " + report);
            assertTrue(report.path("transactionalIds").path("exact").toString().contains(transactionalId), report.toString());
            assertTrue(report.has("transactionBoundaryMs") && report.has("transactionHoldMs"), report.toString());

            Await.until("100 more transactions committed after the switch", Duration.ofSeconds(60),
                () -> load.committed() >= before + 100);
            load.stop();
            assertNull(load.failure(), () -> "the producer failed: " + load.failure());

            // Every committed record is on the target once, in the order it was written per partition.
            Map<Integer, List<String>> onTarget = readCommitted(target.bootstrapServers(), topic);
            List<String> all = new ArrayList<>();
            onTarget.values().forEach(all::addAll);
            assertEquals(all.size(), new HashSet<>(all).size(), "no record twice on the target");
            assertTrue(all.containsAll(load.committedValues()), "every committed record is on the target ("
                + load.committedValues().size() + " committed, " + all.size() + " on the target, " + load.aborted() + " aborted)");
            onTarget.forEach((p, values) -> assertEquals(sortedBySequence(values), values, "partition " + p + " in order"));

            // Transactions after the switch ran against the target's coordinator: the source holds only the first ones.
            Map<Integer, List<String>> onSource = readCommitted(source.bootstrapServers(), topic);
            int sourceRecords = onSource.values().stream().mapToInt(List::size).sum();
            assertTrue(sourceRecords < all.size(), "records were written to the target after the switch");
            try (Admin admin = Clients.admin(target.bootstrapServers())) {
                assertTrue(admin.listTransactions().all().get().stream().anyMatch(t -> t.transactionalId().equals(transactionalId)),
                    "the target's coordinator knows " + transactionalId);
            }
        }
    }

    private static List<String> sortedBySequence(List<String> values) {
        List<String> sorted = new ArrayList<>(values);
        sorted.sort((a, b) -> Long.compare(Long.parseLong(a.substring(a.indexOf('-') + 1)), Long.parseLong(b.substring(b.indexOf('-') + 1))));
        return sorted;
    }

    /** What a read_committed consumer sees, by partition, from the start to the end. */
    private static Map<Integer, List<String>> readCommitted(String bootstrap, String topic) {
        Map<Integer, List<String>> out = new HashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null,
            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            Await.until("read " + topic + " to its end", Duration.ofSeconds(60), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.value());
                }
                return partitions.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    /** A transactional producer committing a small transaction every few milliseconds, until stopped. */
    private static final class BusyTransactions implements AutoCloseable {
        private final List<String> committedValues = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger committed = new AtomicInteger();
        private final AtomicInteger aborted = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;
        private volatile boolean running = true;

        BusyTransactions(String bootstrap, String topic, String transactionalId) {
            thread = new Thread(() -> run(bootstrap, topic, transactionalId), "busy-transactions");
            thread.start();
        }

        private void run(String bootstrap, String topic, String transactionalId) {
            long sequence = 0;
            try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                transactionalId, ProducerConfig.LINGER_MS_CONFIG, 0))) {
                producer.initTransactions();
                while (running) {
                    List<String> values = new ArrayList<>();
                    producer.beginTransaction();
                    try {
                        for (int i = 0; i < 3; i++) {
                            int partition = (int) (sequence % WaveSwitchTest.PARTITIONS);
                            String value = partition + "-" + sequence++;
                            producer.send(new ProducerRecord<>(topic, partition, null, value));
                            values.add(value);
                        }
                        producer.commitTransaction();
                        committedValues.addAll(values);
                        committed.incrementAndGet();
                    } catch (ProducerFencedException e) {
                        throw e;
                    } catch (KafkaException e) {
                        // Abortable: the transaction's records are not committed; go on with the next one.
                        producer.abortTransaction();
                        aborted.incrementAndGet();
                    }
                    Thread.sleep(5); // pacing of the load, about 100 transactions a second at most
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        int committed() {
            return committed.get();
        }

        int aborted() {
            return aborted.get();
        }

        Set<String> committedValues() {
            synchronized (committedValues) {
                return new HashSet<>(committedValues);
            }
        }

        Throwable failure() {
            return failure.get();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(60_000);
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
