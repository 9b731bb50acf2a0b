package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.PARTITIONS;
import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.testkit.OpenApiSpec;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Transactions a producer aborted on the source, with MirrorMaker 2 copying the wave's topic.
 * Found by the soak: a Kafka Streams application on exactly_once_v2 had outputs twice on the target.
 * MM2 reads read_uncommitted unless told otherwise, and wrote what the application's aborted
 * transactions had written as ordinary records; the application then committed the same outputs
 * again. The proxy's MM2 settings now read read_committed; the switch then waits for the last
 * committed record (a partition whose last transaction aborted never gets its last record copied),
 * and a gate catches a replicator that still copies aborted records.
 */
@ExtendWith(KafkaClusterExtension.class)
class AbortedTransactionsWaveTest {
    private static final OpenApiSpec SPEC = OpenApiSpec.bundled();

    @Test
    void aWaveWhoseLastTransactionsAbortedSwitchesAndTheTargetHoldsOnlyWhatWasCommitted(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("aborted-tail");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic, Map.of());
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            List<String> committed = writeCommittedThenAborted(proxy.bootstrapServers(), topic);

            createReady(proxy, "aborted-tail", topic, List.of());
            Await.until("MM2 copies the committed records", Duration.ofSeconds(60),
                () -> readCommitted(target.bootstrapServers(), topic), l -> l.size() == committed.size());
            JsonNode gate = checkedGate(proxy, "aborted-tail");
            assertEquals("PASS", gate.get("status").asText(), gate.toString());
            assertEquals(2L * PARTITIONS, gate.path("evidence").path("abortedRecordsSeen").asLong(), gate.toString());

            // Before, the switch waited for a copy of each partition's last record, which an aborted
            // transaction wrote and MM2 (reading read_committed) never copies, and aborted at the fence timeout.
            HttpResponse<String> switched = proxy.send("POST", "/waves/aborted-tail/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            assertEquals(new TreeSet<>(committed), new TreeSet<>(readCommitted(target.bootstrapServers(), topic)),
                "the target holds what was committed, once, and nothing aborted");
        }
    }

    @Test
    void aReplicatorThatCopiesAbortedRecordsFailsTheGateByPartition(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("aborted-copied");
        // MirrorMaker 2 as it comes: its source consumer reads read_uncommitted.
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic, Map.of("source.consumer.isolation.level", "read_uncommitted"));
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            List<String> committed = writeCommittedThenAborted(proxy.bootstrapServers(), topic);
            List<String> onTarget = Await.until("MM2 copies every record, aborted ones too", Duration.ofSeconds(60),
                () -> readCommitted(target.bootstrapServers(), topic), l -> l.size() == committed.size() + 2 * PARTITIONS);
            assertTrue(onTarget.containsAll(committed), onTarget.toString());

            HttpResponse<String> created = proxy.send("POST", "/waves",
                "{\"name\":\"aborted-copied\",\"topics\":[\"" + topic + "\"],\"groups\":[]}", Map.of());
            assertEquals(201, created.statusCode(), created.body());
            JsonNode gate = checkedGate(proxy, "aborted-copied");
            assertEquals("FAIL", gate.get("status").asText(), gate.toString());
            String problems = gate.path("evidence").path("problems").toString();
            for (int p = 0; p < PARTITIONS; p++) {
                assertTrue(problems.contains(topic + "-" + p + ": the target holds a readable copy"), problems);
            }
            assertTrue(gate.get("remedy").asText().contains("consumer.isolation.level = read_committed"), gate.toString());
            JsonNode wave = json(proxy.send("GET", "/waves/aborted-copied", null, Map.of()));
            assertEquals("PLANNED", wave.get("state").asText(), "a failing gate keeps the wave from READY: " + wave);
        }
    }

    private static EmbeddedMirrorMaker mirrored(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String topic,
                                                Map<String, String> mm2Overrides) throws Exception {
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1));
        }
        return EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(), topic, ".*", mm2Overrides);
    }

    /**
     * Through the proxy, per partition: a committed transaction of two records, then one of two
     * records that is aborted, so each partition's last data records are aborted ones. Returns the
     * committed values.
     */
    private static List<String> writeCommittedThenAborted(String bootstrap, String topic) {
        List<String> committed = new ArrayList<>();
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap,
            Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, Clients.unique("aborting-writer")))) {
            producer.initTransactions();
            producer.beginTransaction();
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < 2; i++) {
                    String v = "committed-" + p + "-" + i;
                    producer.send(new ProducerRecord<>(topic, p, v, v));
                    committed.add(v);
                }
            }
            producer.commitTransaction();
            producer.beginTransaction();
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i < 2; i++) {
                    String v = "aborted-" + p + "-" + i;
                    producer.send(new ProducerRecord<>(topic, p, v, v));
                }
            }
            producer.flush();
            producer.abortTransaction();
        }
        return committed;
    }

    private static JsonNode checkedGate(RunningProxy proxy, String wave) {
        HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/check", null, Map.of());
        assertEquals(200, r.statusCode(), r.body());
        List<String> problems = SPEC.problems(SPEC.response("POST /waves/{name}/check", r.statusCode()),
            new OpenApiSpec.Answer(r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body(), Map.of()));
        assertTrue(problems.isEmpty(), "POST /waves/{name}/check: " + problems);
        return WaveAbortTest.gate(json(r).get("gates"), "aborted-not-replicated");
    }

    /** Every value a read_committed consumer reads from the topic's start to its end. */
    private static List<String> readCommitted(String bootstrap, String topic) {
        return TopicLog.records(bootstrap, topic, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")).stream()
            .map(ConsumerRecord::value).toList();
    }
}
