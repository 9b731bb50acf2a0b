package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.ExternalKafkaBroker;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pre-switch rehearsal against a target that is deliberately wrong: one of the wave's topics is
 * missing there, another has fewer partitions, and the target is a Kafka 3.9 broker that lacks
 * versions the 4.3 clients used. The rehearsal must name all three, and its verdict becomes the
 * wave's "compatibility-rehearsal" gate.
 */
@ExtendWith(KafkaClusterExtension.class)
class WaveRehearsalTest {
    @Test
    void theRehearsalCatchesAMissingTopicTooFewPartitionsAndAMissingVersion(EmbeddedKafkaCluster source) throws Exception {
        if (!ExternalKafkaBroker.available() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("the Kafka 3.9 jars are missing from " + ExternalKafkaBroker.LIBS);
        }
        assumeTrue(ExternalKafkaBroker.available(), "the Kafka 3.9 jars are built by the kafka-legacy-broker module");
        String missing = Clients.unique("rehearse-missing");
        String narrow = Clients.unique("rehearse-narrow");
        String group = Clients.unique("rehearse-app");
        try (ExternalKafkaBroker legacy = ExternalKafkaBroker.start();
             Admin sourceAdmin = Clients.admin(source.bootstrapServers());
             Admin targetAdmin = Clients.admin(legacy.bootstrapServers())) {
            sourceAdmin.createTopics(List.of(new NewTopic(missing, 3, (short) 1), new NewTopic(narrow, 3, (short) 1))).all().get();
            targetAdmin.createTopics(List.of(new NewTopic(narrow, 1, (short) 1))).all().get();

            // The application's traffic, captured where it runs today: a proxy in front of the 4.3 source only.
            Path capture;
            try (RunningProxy today = RunningProxy.in(source)) {
                assertEquals(201, today.send("POST", "/captures", "{\"name\":\"app\"}", Map.of()).statusCode());
                try (KafkaProducer<String, String> p = Clients.producer(today.bootstrapServers(), Map.of("client.id", "rehearse-producer"))) {
                    for (int i = 0; i < 30; i++) {
                        p.send(new ProducerRecord<>(i % 2 == 0 ? missing : narrow, i % 3, "k", "v" + i)).get();
                    }
                }
                try (KafkaConsumer<String, String> c = Clients.consumer(today.bootstrapServers(), group,
                    Map.of("client.id", "rehearse-consumer"))) {
                    c.subscribe(List.of(missing, narrow));
                    int[] n = {0};
                    Await.until("the application read its records", Duration.ofSeconds(60), () -> {
                        n[0] += c.poll(Duration.ofMillis(200)).count();
                        return n[0] >= 30;
                    });
                    c.commitSync();
                }
                HttpResponse<String> stopped = today.send("POST", "/captures/app/stop", null, Map.of());
                capture = Path.of(json(stopped).get("file").asText());
            }

            try (RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), legacy.bootstrapServers(), Map.of("waves.mapping", "identity"))) {
                Files.createDirectories(proxy.stateDir().resolve("captures"));
                Files.copy(capture, proxy.stateDir().resolve("captures").resolve("app.pcapng"));
                String body = "{\"name\":\"app\",\"topics\":[\"" + missing + "\",\"" + narrow + "\"],\"groups\":[\"" + group + "\"]}";
                assertEquals(201, proxy.send("POST", "/waves", body, Map.of()).statusCode());
                HttpResponse<String> r = proxy.send("POST", "/waves/app/rehearse", "{\"capture\":\"app\"}", Map.of());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode result = json(r);
                System.out.println("WAVE-REHEARSAL findings=" + result.get("findings"));
                assertFalse(result.get("passed").asBoolean(), result.toString());
                List<String> findings = new ArrayList<>();
                result.get("findings").forEach(f -> findings.add(f.asText()));
                assertTrue(findings.stream().anyMatch(f -> f.startsWith("Metadata: UNKNOWN_TOPIC_OR_PARTITION")),
                    "the missing topic: " + findings);
                assertTrue(findings.stream().anyMatch(f -> f.contains("version the target lacks")), "a version 3.9 lacks: " + findings);
                assertTrue(findings.stream().anyMatch(f -> f.startsWith("Fetch: ") || f.startsWith("ListOffsets: ")),
                    "the partitions the narrow topic lacks on the target: " + findings);
                JsonNode targetErrors = result.get("errorsByApi").get("target");
                assertTrue(targetErrors.toString().contains("UNKNOWN_TOPIC"), targetErrors.toString());
                assertEquals(0, result.get("errorsByApi").get("source").findValues("UNKNOWN_TOPIC_OR_PARTITION").size(),
                    "the same requests find everything on the source: " + result.get("errorsByApi").get("source"));

                // The verdict is a gate on the scorecard.
                JsonNode card = json(proxy.send("GET", "/waves/app/scorecard", null, Map.of()));
                JsonNode gate = WaveAbortTest.gate(card.get("gates"), "compatibility-rehearsal");
                assertEquals("FAIL", gate.get("status").asText(), gate.toString());
                assertTrue(proxy.send("GET", "/waves/app/scorecard?format=text", null, Map.of()).body().contains("compatibility-rehearsal"));
                assertEquals(409, proxy.send("POST", "/waves/app/rehearse", "{\"capture\":\"nope\"}", Map.of()).statusCode());
                assertEquals(400, proxy.send("POST", "/waves/app/rehearse", "{\"produce\":\"yes\"}", Map.of()).statusCode());
            }
        }
    }
}
