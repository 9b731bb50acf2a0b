package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Finding 11 of "cutover under fire": a consumer that assign()s partitions and keeps its offsets
 * outside Kafka (Flink, Spark) resumes from its own positions after a switch, which under the
 * mirrormaker2 mapping point at other records on the target. The proxy sees it in the traffic,
 * names it in its own gate, refuses the switch, and switches only when forced, and then passes
 * over that gate alone, saying so in the report.
 */
@ExtendWith(KafkaClusterExtension.class)
class GrouplessConsumerSwitchTest {

    @Test
    void aConsumerWithoutGroupBlocksTheSwitchUntilItIsForcedAndForceOverridesNothingElse(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("groupless");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("groupless-producer", 10);
            Await.until("records acknowledged", Duration.ofSeconds(60), () -> load.ackedCount() > 50);
            try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), null, Map.of("client.id", "flink-like"))) {
                TopicPartition tp = new TopicPartition(topic, 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                Await.until("the assigning consumer read something", Duration.ofSeconds(60), () -> !c.poll(Duration.ofMillis(200)).isEmpty());
            }
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"g\",\"topics\":[\"" + topic + "\"]}", Map.of()).statusCode());

            // Checked until replication has caught up: then the consumer without a group is the one failing gate.
            JsonNode checked = Await.until("only consumers-without-group fails", Duration.ofSeconds(90),
                () -> json(proxy.send("POST", "/waves/g/check", null, Map.of())), w -> failing(w).equals(List.of("consumers-without-group")));
            assertEquals("PLANNED", checked.get("state").asText());
            JsonNode gate = WaveAbortTest.gate(checked.get("gates"), "consumers-without-group");
            assertTrue(gate.path("evidence").path("consumersWithoutGroup").toString().contains("flink-like"), gate.toString());

            HttpResponse<String> refused = proxy.send("POST", "/waves/g/switch", null, Map.of());
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("switch with force"), refused.body());
            HttpResponse<String> badForce = proxy.send("POST", "/waves/g/switch", "{\"force\":\"yes\"}", Map.of());
            assertEquals(400, badForce.statusCode(), badForce.body());

            int ackedBefore = load.ackedCount();
            HttpResponse<String> forced = proxy.send("POST", "/waves/g/switch", "{\"force\":true}", Map.of());
            assertEquals(200, forced.statusCode(), forced.body());
            JsonNode wave = json(forced);
            assertEquals("SWITCHED", wave.get("state").asText());
            JsonNode report = wave.get("lastSwitch");
            assertEquals("consumers-without-group", report.path("forced").path("gate").asText(), report.toString());
            assertTrue(report.path("forced").path("problems").toString().contains("flink-like"), report.toString());
            assertTrue(wave.get("history").toString().contains("forced past gate consumers-without-group"), wave.get("history").toString());
            Await.until("writes go on after the forced switch", Duration.ofSeconds(60), () -> load.ackedCount() > ackedBefore + 50);
            assertTrue(load.failure() == null, () -> "client failure: " + load.failure());
        }
    }

    private static List<String> failing(JsonNode wave) {
        List<String> out = new java.util.ArrayList<>();
        wave.path("gates").forEach(g -> {
            if ("FAIL".equals(g.path("status").asText())) {
                out.add(g.path("gate").asText());
            }
        });
        return out;
    }
}
