package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.TopicLog;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A transaction open when the proxy restarts, then a switch of its wave. Found by the soak: the
 * restarted proxy, which learns open transactions from traffic, did not know of it, took the
 * producer's next write for the start of a new transaction, and moved the transactional id at
 * once. The transaction was split: its later writes and its commit went to the target, and the
 * records already on the source were aborted by the source's coordinator at the transaction's
 * timeout, though the producer had seen its commit succeed. Now the switch asks the source's
 * coordinators which of the ids it moves have a transaction in progress, and waits for those too.
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionAcrossRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aSwitchRightAfterARestartWaitsForTheTransactionInProgressAtTheCoordinator(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("txn-restart");
        String transactionalId = Clients.unique("txn-restart-writer");
        String wave = "txn-restart";
        List<String> committed = new ArrayList<>();
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(),
                 Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name(), "waves.max-ready-lag", 500));
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of(
                 ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                 ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000, ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500))) {
            producer.initTransactions();
            committed.addAll(transaction(producer, topic, "before"));
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}").statusCode());
            // The restarted proxy knows the producer's id writes the wave's topic from its saved inventory.
            Path inventory = proxy.stateDir().resolve("clients.json");
            Await.until("the inventory saved with " + transactionalId, Duration.ofSeconds(90),
                () -> Files.exists(inventory) && read(inventory).contains(transactionalId));

            // A transaction with one record written on the source, open across a kill -9 of the proxy.
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, 0, "open-0", "open-0"));
            producer.flush();
            proxy.kill();
            proxy.restart();
            awaitReady(proxy, wave);

            CompletableFuture<HttpResponse<String>> switched =
                CompletableFuture.supplyAsync(() -> proxy.send("POST", "/waves/" + wave + "/switch", null));
            Await.until("the switch waits for the transaction in progress at the source's coordinator, or ends",
                Duration.ofSeconds(60), () -> switched.isDone() || proxy.tail(400).contains("that this proxy did not see begin"));
            assertFalse(switched.isDone(), () -> "the switch went on while " + transactionalId + " had a transaction open on the source: "
                + switched.join().body());

            producer.send(new ProducerRecord<>(topic, 1, "open-1", "open-1"));
            producer.commitTransaction();
            committed.addAll(List.of("open-0", "open-1"));
            HttpResponse<String> r = switched.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode report = JSON.readTree(r.body()).get("lastSwitch");
            assertTrue(report.path("transactionsInProgressAtCoordinator").toString().contains(transactionalId), report.toString());

            committed.addAll(transaction(producer, topic, "after"));
        }
        // Every committed record is readable on the target, once: nothing the producer saw committed was aborted.
        List<String> onTarget = Await.until("every committed record on the target", Duration.ofSeconds(60),
            () -> readCommitted(target.bootstrapServers(), topic), l -> l.containsAll(committed));
        assertEquals(committed.size(), onTarget.size(), "nothing twice, nothing aborted: " + onTarget);
    }

    private static List<String> transaction(KafkaProducer<String, String> producer, String topic, String name) {
        List<String> values = List.of(name + "-0", name + "-1", name + "-2");
        producer.beginTransaction();
        for (int p = 0; p < values.size(); p++) {
            producer.send(new ProducerRecord<>(topic, p, values.get(p), values.get(p)));
        }
        producer.commitTransaction();
        return values;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return ""; // being replaced: read again
        }
    }

    private static void awaitReady(ProxyProcess proxy, String wave) {
        Await.until("wave " + wave + " READY", Duration.ofSeconds(90),
            () -> json(proxy.send("POST", "/waves/" + wave + "/check", null)), w -> w.get("state").asText().equals("READY"));
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    /** Every value a read_committed consumer reads from the topic's start to its end. */
    private static List<String> readCommitted(String bootstrap, String topic) {
        return TopicLog.records(bootstrap, topic, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")).stream()
            .map(ConsumerRecord::value).toList();
    }
}
