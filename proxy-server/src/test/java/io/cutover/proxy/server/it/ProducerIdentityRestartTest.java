package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.Topics;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Trap 17: a crash of the proxy is a retry for the client. An idempotent producer writes through a
 * proxy that is killed with SIGKILL several times mid-traffic and restarted on its state directory;
 * the batches that were in flight at each kill are sent again, with the same producer id, epoch and
 * sequence, to the restarted proxy. The broker drops the copies only if they reach it under the
 * same real producer id as the first attempt, so the log must hold every acknowledged value exactly
 * once, in order per partition.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProducerIdentityRestartTest {
    private static final int PARTITIONS = 6;
    private static final int KILLS = 5;
    /** Acknowledged values between two kills, so each kill meets a producer in full flow. */
    private static final int ACKS_BETWEEN_KILLS = 3000;
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final int TXN_SIZE = 60;
    /** Committed values between two kills of the transactional case. */
    private static final int TXN_VALUES_BETWEEN_KILLS = 600;

    @Test
    void anIdempotentProducerOnTheSourceKeepsItsIdentityAcrossKills(EmbeddedKafkaCluster source,
                                                                     @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        killsUnderAProducer(source, target, source, false);
    }

    @Test
    void anIdempotentProducerOnTheTargetKeepsItsRealTargetIdAcrossKills(EmbeddedKafkaCluster source,
                                                                         @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        killsUnderAProducer(source, target, target, true);
    }

    /**
     * A transactional producer whose transactional id and topic route to the target: its virtual id
     * is a source id and its real id comes from the target's coordinator, so after each restart its
     * requests must be mapped from the saved state. Transactions that fail across a kill are
     * aborted and their values sent again; the committed log holds each value exactly once.
     */
    @Test
    void aTransactionalProducerOnTheTargetKeepsItsIdentityAcrossKills(EmbeddedKafkaCluster source,
                                                                      @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = topicOnBoth(source, target);
        String txnId = Clients.unique("pid-restart-txn");
        try (ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(), Map.of())) {
            flip(proxy, "transactional-id", txnId);
            flip(proxy, "topic", topic);
            TransactionalProducer producer = new TransactionalProducer(proxy.bootstrapServers(), topic, txnId);
            try {
                for (int kill = 1; kill <= KILLS; kill++) {
                    int before = producer.committed.size();
                    Await.until("the producer to commit " + TXN_VALUES_BETWEEN_KILLS + " more values before kill " + kill, PATIENCE,
                        () -> producer.committed.size() >= before + TXN_VALUES_BETWEEN_KILLS || !producer.errors.isEmpty());
                    assertEquals(List.of(), producer.errors, "producer errors before kill " + kill);
                    proxy.kill();
                    proxy.restart();
                }
                int before = producer.committed.size();
                Await.until("the producer to commit after the last restart", PATIENCE,
                    () -> producer.committed.size() >= before + TXN_VALUES_BETWEEN_KILLS || !producer.errors.isEmpty());
            } finally {
                producer.stop();
            }
            assertEquals(List.of(), producer.errors, "producer errors\n" + proxy.tail(30));
            Log log = Log.read(target.bootstrapServers(), topic, true);
            Set<Integer> committed = producer.committed;
            System.out.println("PRODUCER-RESTART transactional target: committed " + committed.size() + " in "
                + producer.transactions.get() + " transactions (" + producer.aborted.get() + " aborted and sent again), in the log "
                + log.records);
            assertExactlyOnce(committed, log);
            assertEquals(committed.size(), log.records, "the committed log holds exactly the committed values");
        }
    }

    private static String topicOnBoth(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("pid-restart");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1));
            }
        }
        return topic;
    }

    private static void flip(ProxyProcess proxy, String resource, String name) {
        HttpResponse<String> flip = proxy.send("POST", "/routes/flip",
            "{\"resource\":\"" + resource + "\",\"pattern\":\"" + name + "\",\"cluster\":\"target\"}");
        assertEquals(200, flip.statusCode(), flip.body());
    }

    private static void assertExactlyOnce(Set<Integer> acked, Log log) {
        List<Integer> missing = new ArrayList<>();
        for (int v : acked) {
            if (!log.count.containsKey(v)) {
                missing.add(v);
            }
        }
        List<Integer> twice = new ArrayList<>();
        log.count.forEach((v, n) -> {
            if (n > 1) {
                twice.add(v);
            }
        });
        System.out.println("PRODUCER-RESTART values written more than once: " + twice.size() + " "
            + twice.subList(0, Math.min(20, twice.size())));
        assertEquals(List.of(), missing.subList(0, Math.min(20, missing.size())), missing.size() + " acknowledged values are missing");
        assertEquals(List.of(), twice.subList(0, Math.min(40, twice.size())), twice.size() + " values are in the log more than once");
        assertEquals(List.of(), log.outOfOrder, "values out of order within a partition");
    }

    private static void killsUnderAProducer(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, EmbeddedKafkaCluster written,
                                            boolean flipFirst) throws Exception {
        String topic = topicOnBoth(source, target);
        try (ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(), Map.of())) {
            if (flipFirst) {
                flip(proxy, "topic", topic);
            }
            SequentialProducer producer = new SequentialProducer(proxy.bootstrapServers(), topic);
            try {
                for (int kill = 1; kill <= KILLS; kill++) {
                    int before = producer.acked.size();
                    Await.until("the producer to get " + ACKS_BETWEEN_KILLS + " more acknowledgements before kill " + kill, PATIENCE,
                        () -> producer.acked.size() >= before + ACKS_BETWEEN_KILLS || !producer.errors.isEmpty());
                    assertEquals(List.of(), producer.errors, "producer errors before kill " + kill);
                    proxy.kill();
                    proxy.restart();
                }
                int before = producer.acked.size();
                Await.until("the producer to make progress after the last restart", PATIENCE,
                    () -> producer.acked.size() >= before + ACKS_BETWEEN_KILLS || !producer.errors.isEmpty());
            } finally {
                producer.stop();
            }
            assertEquals(List.of(), producer.errors, "producer errors\n" + proxy.tail(30));
            Log log = Log.read(written.bootstrapServers(), topic, false);
            Set<Integer> acked = producer.acked;
            System.out.println("PRODUCER-RESTART " + (flipFirst ? "target" : "source") + ": acknowledged " + acked.size()
                + ", in the log " + log.records);
            assertExactlyOnce(acked, log);
            assertTrue(acked.size() >= (KILLS + 1) * ACKS_BETWEEN_KILLS);
        }
    }

    /**
     * Sends 0, 1, 2, ... round-robin over the partitions (value v to partition v % PARTITIONS), many
     * requests in flight, retrying for longer than a proxy restart takes.
     */
    private static final class SequentialProducer {
        final Set<Integer> acked = ConcurrentHashMap.newKeySet();
        final List<String> errors = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        SequentialProducer(String bootstrap, String topic) {
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
            config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            // Small batches: more requests, so more of them are in flight when the proxy dies.
            config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512);
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
            config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
            config.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
            config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
            KafkaProducer<String, String> producer = Clients.producer(bootstrap, config);
            AtomicInteger next = new AtomicInteger();
            thread = new Thread(() -> {
                try (producer) {
                    while (!stop.get()) {
                        int v = next.getAndIncrement();
                        producer.send(new ProducerRecord<>(topic, v % PARTITIONS, null, Integer.toString(v)), (md, e) -> {
                            if (e != null) {
                                errors.add(v + ": " + e);
                            } else {
                                acked.add(v);
                            }
                        });
                    }
                    producer.flush();
                } catch (Throwable t) {
                    errors.add("producer: " + t);
                }
            }, "sequential-producer");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(PATIENCE.toMillis());
            if (thread.isAlive()) {
                errors.add("the producer did not finish within " + PATIENCE);
            }
        }
    }

    /**
     * Commits transactions of {@link #TXN_SIZE} consecutive values; a transaction that fails with an
     * abortable error (a kill in the middle of it) is aborted and its values go again in the next
     * one. A fatal error (fenced, unknown producer id mapping) ends the run as a failure.
     */
    private static final class TransactionalProducer {
        final Set<Integer> committed = ConcurrentHashMap.newKeySet();
        final List<String> errors = new CopyOnWriteArrayList<>();
        final AtomicInteger transactions = new AtomicInteger();
        final AtomicInteger aborted = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Thread thread;

        TransactionalProducer(String bootstrap, String topic, String transactionalId) {
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
            config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512);
            config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
            config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 50);
            config.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
            config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
            KafkaProducer<String, String> producer = Clients.producer(bootstrap, config);
            thread = new Thread(() -> {
                try (producer) {
                    producer.initTransactions();
                    int next = 0;
                    while (!stop.get()) {
                        try {
                            producer.beginTransaction();
                            for (int v = next; v < next + TXN_SIZE; v++) {
                                producer.send(new ProducerRecord<>(topic, v % PARTITIONS, null, Integer.toString(v)));
                            }
                            producer.commitTransaction();
                            transactions.incrementAndGet();
                            for (int v = next; v < next + TXN_SIZE; v++) {
                                committed.add(v);
                            }
                            next += TXN_SIZE;
                        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                                 | UnsupportedVersionException | IllegalStateException e) {
                            errors.add("fatal: " + e);
                            return;
                        } catch (KafkaException e) {
                            // Abortable: nothing of this transaction is committed; its values go again.
                            aborted.incrementAndGet();
                            producer.abortTransaction();
                        }
                    }
                } catch (Throwable t) {
                    errors.add("producer: " + t);
                }
            }, "transactional-producer");
            thread.start();
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(PATIENCE.toMillis());
            if (thread.isAlive()) {
                errors.add("the producer did not finish within " + PATIENCE);
            }
        }
    }

    /** A topic read straight from a cluster, start to end. */
    private static final class Log {
        final Map<Integer, Integer> count = new TreeMap<>();
        final List<String> outOfOrder = new ArrayList<>();
        long records;

        static Log read(String bootstrap, String topic, boolean committedOnly) {
            Log log = new Log();
            try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null,
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted"))) {
                List<TopicPartition> partitions = new ArrayList<>();
                for (int p = 0; p < PARTITIONS; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
                c.assign(partitions);
                c.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = c.endOffsets(partitions);
                Map<Integer, Integer> last = new HashMap<>();
                Await.until("reading " + topic + " to its end", PATIENCE, () -> {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        int v = Integer.parseInt(r.value());
                        log.records++;
                        log.count.merge(v, 1, Integer::sum);
                        Integer previous = last.put(r.partition(), v);
                        if (previous != null && previous >= v && log.outOfOrder.size() < 20) {
                            log.outOfOrder.add("partition " + r.partition() + ": " + v + " after " + previous + " at offset " + r.offset());
                        }
                    }
                    return partitions.stream().allMatch(tp -> c.position(tp) >= end.get(tp));
                });
            }
            return log;
        }
    }
}
