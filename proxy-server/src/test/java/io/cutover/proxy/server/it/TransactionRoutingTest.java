package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Transactions through a two-cluster proxy, and route changes that would split an open one. */
@ExtendWith(KafkaClusterExtension.class)
class TransactionRoutingTest {

    private static String topicOnBoth(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("txn-routing");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            }
        }
        return topic;
    }

    @Test
    void transactionsCommitAndAbortThroughARoutingProxy(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = topicOnBoth(source, target);
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of());
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(),
                 Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("txn")))) {
            producer.initTransactions();
            for (int t = 0; t < 6; t++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, null, t % 2 == 0 ? "committed-" + t : "aborted-" + t));
                if (t % 2 == 0) {
                    producer.commitTransaction();
                } else {
                    producer.flush();
                    producer.abortTransaction();
                }
            }
            assertEquals(List.of("committed-0", "committed-2", "committed-4"), readCommitted(proxy.bootstrapServers(), topic, 3));
        }
    }

    @Test
    void aFlipWaitsForTheOpenTransactionItWouldSplit(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = topicOnBoth(source, target);
        String txnId = Clients.unique("txn");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of("routing.transaction-wait", "20s"));
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "in-flight")).get(30, TimeUnit.SECONDS);

            CompletableFuture<HttpResponse<String>> flip = CompletableFuture.supplyAsync(() -> proxy.send("POST", "/routes/flip",
                "{\"resource\":\"topic\",\"pattern\":\"" + topic + "\",\"cluster\":\"target\"}", Map.of()));
            // The flip cannot finish while the transaction writing the topic is open.
            long end = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < end) {
                assertTrue(!flip.isDone(), "the flip waits for the open transaction");
                Thread.sleep(50);
            }
            assertEquals(0, proxy.metric("cutover_proxy_routes_version"));
            producer.commitTransaction();
            long committedAt = System.nanoTime();
            HttpResponse<String> response = flip.get(30, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(System.nanoTime() >= committedAt);
            assertEquals(1, proxy.metric("cutover_proxy_routes_version"), "applied once the transaction ended");
            assertEquals(List.of("in-flight"), readCommitted(source.bootstrapServers(), topic, 1), "the whole transaction is on source");
        }
    }

    @Test
    void aFlipIsRefusedWhenTheTransactionDoesNotEndInTime(EmbeddedKafkaCluster source,
                                                         @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = topicOnBoth(source, target);
        String txnId = Clients.unique("txn");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of("routing.transaction-wait", "500ms"));
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "open")).get(30, TimeUnit.SECONDS);
            for (String body : List.of("{\"resource\":\"transactional-id\",\"pattern\":\"" + txnId + "\",\"cluster\":\"target\"}",
                "{\"resource\":\"topic\",\"pattern\":\"" + topic + "\",\"cluster\":\"target\"}")) {
                HttpResponse<String> r = proxy.send("POST", "/routes/flip", body, Map.of());
                assertEquals(409, r.statusCode(), r.body());
                assertTrue(r.body().contains(txnId), "the refusal names the transaction: " + r.body());
            }
            assertEquals(0, proxy.metric("cutover_proxy_routes_version"), "nothing changed");
            producer.commitTransaction();
        }
    }

    @Test
    void aTransactionalIdMovesBetweenTransactionsAndBack(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = topicOnBoth(source, target);
        String txnId = Clients.unique("txn");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of());
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, null, "on-source"));
            producer.commitTransaction();
            proxy.flip("transactional-id", txnId, "target");
            proxy.flipTopic(topic, "target");
            for (int i = 0; i < 3; i++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, null, "on-target-" + i));
                producer.commitTransaction();
            }
            proxy.flip("transactional-id", txnId, "source");
            proxy.flipTopic(topic, "source");
            for (int i = 0; i < 2; i++) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, null, "back-" + i));
                producer.commitTransaction();
            }
            assertEquals(List.of("on-source", "back-0", "back-1"), readCommitted(source.bootstrapServers(), topic, 3));
            assertEquals(List.of("on-target-0", "on-target-1", "on-target-2"), readCommitted(target.bootstrapServers(), topic, 3));
        }
    }

    private static List<String> readCommitted(String bootstrap, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null,
            Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString()))) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) {
                values.add(r.value());
            }
        }
        return values;
    }
}
