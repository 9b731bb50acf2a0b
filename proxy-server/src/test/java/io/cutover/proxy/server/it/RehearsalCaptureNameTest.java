package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * POST /waves/{name}/rehearse takes a capture name, never a path: a relative path out of the
 * captures directory or an absolute one is a 400, even when a readable capture file is there.
 */
@ExtendWith(KafkaClusterExtension.class)
class RehearsalCaptureNameTest {

    @Test
    void aCaptureNameThatIsAPathIsRefused(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("rehearse-name");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            }
        }
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of("waves.mapping", "identity"))) {
            // A real capture, and a copy of it outside the captures directory.
            assertEquals(201, proxy.send("POST", "/captures", "{\"name\":\"real\"}", Map.of()).statusCode());
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of("client.id", "rehearse-name"))) {
                p.send(new ProducerRecord<>(topic, 0, "k", "v")).get();
            }
            HttpResponse<String> stopped = proxy.send("POST", "/captures/real/stop", null, Map.of());
            Path file = Path.of(WaveSwitchTest.json(stopped).get("file").asText());
            Path outside = proxy.stateDir().resolve("outside.pcapng");
            Files.copy(file, outside);
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"w\",\"topics\":[\"" + topic + "\"]}", Map.of()).statusCode());

            String absolute = outside.toAbsolutePath().toString();
            for (String name : List.of("../outside", absolute.substring(0, absolute.length() - ".pcapng".length()), "real/../../outside")) {
                HttpResponse<String> r = proxy.send("POST", "/waves/w/rehearse", "{\"capture\":\"" + name + "\"}", Map.of());
                assertEquals(400, r.statusCode(), name + ": " + r.body());
                assertTrue(r.body().contains("is not a capture name"), r.body());
            }
            HttpResponse<String> real = proxy.send("POST", "/waves/w/rehearse", "{\"capture\":\"real\"}", Map.of());
            assertEquals(200, real.statusCode(), "a capture named as POST /captures names it is rehearsed: " + real.body());
        }
    }
}
