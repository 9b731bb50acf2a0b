package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Tshark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Captures through the admin API against a real broker, read back by tshark's Kafka dissector. */
@ExtendWith(KafkaClusterExtension.class)
class CaptureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String body) throws Exception {
        return JSON.readTree(body);
    }

    @Test
    void captureKeepsRequestsAndResponsesOfTheFilteredTopicAndTsharkDecodesThem(EmbeddedKafkaCluster cluster) throws Exception {
        Tshark.requireInstalled();
        String kept = Clients.unique("captured");
        String other = Clients.unique("not-captured");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(kept, 2, (short) 1), new NewTopic(other, 1, (short) 1))).all().get();
            var start = proxy.send("POST", "/captures",
                "{\"name\":\"filtered\",\"filter\":{\"topics\":[\"" + kept + "\"]}}", Map.of());
            assertEquals(201, start.statusCode(), start.body());
            assertEquals("RUNNING", json(start.body()).get("state").asText());
            Path file = Path.of(json(start.body()).get("file").asText());
            assertTrue(file.startsWith(proxy.stateDir()), "captures go to the state directory: " + file);

            // Two producers, so that no single Produce request names both topics (a request naming a
            // kept topic is kept whole).
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of("acks", "all"));
                 KafkaProducer<String, String> elsewhere = Clients.producer(proxy.bootstrapServers(), Map.of("acks", "all"))) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(kept, "k" + i, "kept-record-" + i));
                    elsewhere.send(new ProducerRecord<>(other, "k" + i, "other-record-" + i));
                }
                producer.flush();
                elsewhere.flush();
            }
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), Map.of())) {
                consumer.subscribe(List.of(kept));
                int[] seen = {0};
                Await.until("20 records consumed through the proxy", Duration.ofSeconds(60), () -> {
                    ConsumerRecords<String, String> r = consumer.poll(Duration.ofMillis(200));
                    seen[0] += r.count();
                    return seen[0] >= 20;
                });
                consumer.commitSync();
            }

            var stop = proxy.send("POST", "/captures/filtered/stop", null, Map.of());
            assertEquals(200, stop.statusCode(), stop.body());
            JsonNode stopped = json(stop.body());
            assertEquals("STOPPED", stopped.get("state").asText());
            assertTrue(stopped.get("framesWritten").asLong() > 10, stop.body());
            assertEquals(0, stopped.get("framesDropped").asLong(), stop.body());
            assertTrue(Files.size(file) > 0);

            // The Kafka dissector sees what the clients did: requests and their responses.
            List<String> requestKeys = Tshark.run(file, "-Y", "kafka.request_key && !kafka.response_frame",
                "-T", "fields", "-e", "kafka.request_key");
            Set<String> keys = new HashSet<>(requestKeys);
            for (String api : List.of("18", "3", "0", "1", "10", "11", "14", "8")) {
                assertTrue(keys.contains(api), "api key " + api + " in the capture; tshark saw " + keys);
            }
            // Responses carry a link to their request frame.
            List<String> responses = Tshark.run(file, "-Y", "kafka.request_frame", "-T", "fields", "-e", "kafka.correlation_id");
            assertTrue(responses.size() > 5, "responses are kept: " + responses);
            // Records are uncompressed here, so their values show in the file's bytes: the kept
            // topic's are there, the other topic's Produce requests were left out by the filter.
            String bytes = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(bytes.contains("kept-record-19"), "the kept topic's records are captured");
            assertFalse(bytes.contains("other-record-"), "the other topic's records were filtered out");

            var listing = proxy.send("GET", "/captures", null, Map.of());
            assertEquals(200, listing.statusCode());
            assertEquals("filtered", json(listing.body()).get("captures").get(0).get("name").asText());
            assertTrue(Files.readString(proxy.stateDir().resolve("audit.log")).contains("start-capture"));
            assertTrue(proxy.metric("cutover_proxy_capture_frames_total", "outcome", "written") > 10);
        }
    }

    @Test
    void aWriterThatFallsBehindDropsFramesAndNeverHoldsClientsUp(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("capture-drop");
        // A queue smaller than one produce request: every large frame is dropped and counted.
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("capture.queue-bytes", "4 KiB"));
             Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            assertEquals(201, proxy.send("POST", "/captures", "{\"name\":\"tiny\"}", Map.of()).statusCode());
            String big = "x".repeat(64 * 1024);
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of("acks", "all"))) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>(topic, big)).get(30, TimeUnit.SECONDS);
                }
            }
            JsonNode status = json(proxy.send("GET", "/captures/tiny", null, Map.of()).body());
            assertTrue(status.get("framesDropped").asLong() >= 50, "every oversized produce was dropped: " + status);
            assertTrue(proxy.metric("cutover_proxy_capture_frames_total", "outcome", "dropped") >= 50);
            assertEquals(200, proxy.send("POST", "/captures/tiny/stop", null, Map.of()).statusCode());
        }
    }

    @Test
    void capturesStopAtTheirBoundsAndTheApiRefusesWhatItCannotDo(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("capture-bounds");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            assertEquals(201, proxy.send("POST", "/captures", "{\"name\":\"small\",\"maxBytes\":20000}", Map.of()).statusCode());
            var second = proxy.send("POST", "/captures", "{\"name\":\"second\"}", Map.of());
            assertEquals(409, second.statusCode(), "one capture at a time");
            assertTrue(second.body().contains("capture small is running; stop the capture first (POST /captures/small/stop)"),
                second.body());
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                for (int i = 0; i < 50; i++) {
                    producer.send(new ProducerRecord<>(topic, "v".repeat(1000))).get(30, TimeUnit.SECONDS);
                }
            }
            JsonNode small = Await.until("the capture stops at its size bound", Duration.ofSeconds(30),
                () -> jsonOrNull(proxy.send("GET", "/captures/small", null, Map.of()).body()),
                s -> s != null && s.get("state").asText().equals("STOPPED"));
            assertTrue(small.get("stopReason").asText().contains("max-bytes"), small.toString());
            assertTrue(Files.size(Path.of(small.get("file").asText())) <= 20000);

            assertEquals(201, proxy.send("POST", "/captures", "{\"name\":\"short\",\"maxDurationSeconds\":1}", Map.of()).statusCode());
            JsonNode shortOne = Await.until("the capture stops at its duration bound", Duration.ofSeconds(30),
                () -> jsonOrNull(proxy.send("GET", "/captures/short", null, Map.of()).body()),
                s -> s != null && s.get("state").asText().equals("STOPPED"));
            assertTrue(shortOne.get("stopReason").asText().contains("max-duration"), shortOne.toString());

            var dup = proxy.send("POST", "/captures", "{\"name\":\"short\"}", Map.of());
            assertEquals(409, dup.statusCode(), "a name in use is refused rather than overwritten");
            var badFilter = proxy.send("POST", "/captures", "{\"filter\":{\"listeners\":[\"nowhere\"]}}", Map.of());
            assertEquals(400, badFilter.statusCode());
            assertTrue(badFilter.body().contains("filter.listeners"), badFilter.body());
            var unknownField = proxy.send("POST", "/captures", "{\"nmae\":\"x\"}", Map.of());
            assertEquals(400, unknownField.statusCode());
            assertTrue(unknownField.body().contains("nmae"), unknownField.body());
            assertEquals(400, proxy.send("POST", "/captures", "{\"maxBytes\":-1}", Map.of()).statusCode());
            assertEquals(400, proxy.send("POST", "/captures", "{not json", Map.of()).statusCode());
            assertEquals(404, proxy.send("GET", "/captures/nope", null, Map.of()).statusCode());
            assertEquals(404, proxy.send("POST", "/captures/nope/stop", null, Map.of()).statusCode());
        }
    }

    private static JsonNode jsonOrNull(String body) {
        try {
            return json(body);
        } catch (Exception e) {
            return null;
        }
    }
}
