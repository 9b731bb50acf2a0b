package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /clients from real clients' traffic: what each did, bounded, kept across a restart, and used by the wave gates. */
@ExtendWith(KafkaClusterExtension.class)
class ClientInventoryTest {
    private static JsonNode client(RunningProxy proxy, String clientId) {
        for (JsonNode c : json(proxy.send("GET", "/clients", null, Map.of())).get("clients")) {
            if (c.get("clientId").asText().equals(clientId)) {
                return c;
            }
        }
        return null;
    }

    @Test
    void theInventoryShowsWhatEachClientDidAndSurvivesARestart(EmbeddedKafkaCluster source,
                                                             @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("inventory");
        String group = Clients.unique("inventory-group");
        Path state;
        Map<String, Object> overrides = Map.of("clusters.target.bootstrap-servers", List.of(target.bootstrapServers().split(",")));
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of("client.id", "inv-producer",
                "enable.idempotence", "true", "acks", "all"))) {
                for (int i = 0; i < 10; i++) {
                    p.send(new ProducerRecord<>(topic, "v" + i)).get();
                }
            }
            try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), group, Map.of("client.id", "inv-consumer"))) {
                c.subscribe(List.of(topic));
                int[] n = {0};
                Await.until("records read", Duration.ofSeconds(60), () -> {
                    n[0] += c.poll(Duration.ofMillis(200)).count();
                    return n[0] >= 10;
                });
                c.commitSync();
            }
            // A consumer that assigns partitions itself and keeps its offsets elsewhere: no group at all.
            try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), null, Map.of("client.id", "inv-assigner"))) {
                var tps = List.of(new org.apache.kafka.common.TopicPartition(topic, 0), new org.apache.kafka.common.TopicPartition(topic, 1));
                c.assign(tps);
                c.seekToBeginning(tps);
                Await.until("the assigner read something", Duration.ofSeconds(60), () -> !c.poll(Duration.ofMillis(200)).isEmpty());
            }
            // A consumer that assigns partitions itself and commits under a group id without ever
            // joining the group (a stream processor checkpointing on its own, say).
            String committer = Clients.unique("inv-committed");
            try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), committer,
                Map.of("client.id", "inv-streamer"))) {
                var tps = List.of(new org.apache.kafka.common.TopicPartition(topic, 0), new org.apache.kafka.common.TopicPartition(topic, 1));
                c.assign(tps);
                c.seekToBeginning(tps);
                Await.until("the committer read something", Duration.ofSeconds(60), () -> !c.poll(Duration.ofMillis(200)).isEmpty());
                c.commitSync();
            }
            JsonNode producer = client(proxy, "inv-producer");
            assertEquals("apache-kafka-java", producer.get("softwareName").asText(), producer.toString());
            assertTrue(producer.get("softwareVersion").asText().startsWith("4."), producer.toString());
            assertTrue(producer.get("apis").toString().contains("Produce"), producer.toString());
            assertEquals(topic, producer.get("produced").get(0).asText());
            assertTrue(producer.get("idempotent").asBoolean());
            assertEquals("127.0.0.1", producer.get("addresses").get(0).asText());
            JsonNode consumer = client(proxy, "inv-consumer");
            assertEquals(topic, consumer.get("fetched").get(0).asText(), consumer.toString());
            assertEquals(group, consumer.get("groups").get(0).asText(), consumer.toString());
            assertEquals("source", consumer.get("cluster").asText());
            String table = proxy.send("GET", "/clients?format=text", null, Map.of()).body();
            assertTrue(table.contains("inv-producer") && table.contains("client.id"), table);

            // The wave gates read the inventory: who moves, and who touches the topics from outside the selector.
            String body = "{\"name\":\"inv\",\"topics\":[\"" + topic + "\"],\"groups\":[\"" + group + "\"],\"clients\":{\"clientIdPrefix\":\"inv-c\"}}";
            assertEquals(201, proxy.send("POST", "/waves", body, Map.of()).statusCode());
            JsonNode card = json(proxy.send("GET", "/waves/inv/scorecard", null, Map.of()));
            JsonNode gate = WaveAbortTest.gate(card.get("gates"), "clients-in-wave");
            assertEquals("inv-consumer", gate.get("evidence").get("moving").get(0).get("clientId").asText(), gate.toString());
            assertTrue(gate.get("warnings").toString().contains("inv-producer"), gate.toString());
            // Under the mirrormaker2 mapping its offsets cannot be translated: the wave is refused, naming it.
            JsonNode groupsGate = WaveAbortTest.gate(card.get("gates"), "consumers-without-group");
            assertEquals("FAIL", groupsGate.get("status").asText(), groupsGate.toString());
            assertTrue(groupsGate.get("evidence").get("consumersWithoutGroup").toString().contains("inv-assigner"), groupsGate.toString());
            assertTrue(groupsGate.get("evidence").get("consumersWithoutGroup").toString()
                .contains("inv-streamer (commits under " + committer + " without joining)"), groupsGate.toString());
            assertTrue(!groupsGate.get("evidence").get("consumersWithoutGroup").toString().contains("inv-consumer"),
                "a subscribed member is not groupless: " + groupsGate);
            assertTrue(groupsGate.get("evidence").get("problems").toString().contains("cannot be translated"), groupsGate.toString());
            // Force passes over that gate alone: the topic is not even on the target here, and that gate still refuses the switch.
            var forced = proxy.send("POST", "/waves/inv/switch", "{\"force\":true}", Map.of());
            assertEquals(409, forced.statusCode(), forced.body());
            assertTrue(forced.body().contains("gate topics-on-target failed"), forced.body());
            state = proxy.stateDir();
        }
        try (RunningProxy again = RunningProxy.start(source.bootstrapServers(), overrides, state)) {
            JsonNode kept = client(again, "inv-producer");
            assertTrue(kept != null && kept.get("produced").get(0).asText().equals(topic), "kept across the restart: " + kept);
            assertEquals(0, kept.get("connections").asInt());
        }
    }

    @Test
    void theInventoryIsBounded(EmbeddedKafkaCluster source) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(source, Map.of("inventory.max-clients", 3))) {
            for (int i = 0; i < 6; i++) {
                try (Admin admin = Clients.admin(proxy.bootstrapServers(), "bounded-" + i)) {
                    admin.describeCluster().clusterId().get();
                }
            }
            JsonNode all = json(proxy.send("GET", "/clients", null, Map.of()));
            assertTrue(all.get("clients").size() <= 3, all.toString());
            assertTrue(all.get("evicted").asLong() >= 3, all.toString());
            assertEquals(3, all.get("cap").asInt());
        }
    }
}
