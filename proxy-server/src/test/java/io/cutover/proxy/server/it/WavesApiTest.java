package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The waves API's answers to bad input, its states across a restart, and its absence with one cluster. */
@ExtendWith(KafkaClusterExtension.class)
class WavesApiTest {
    @Test
    void badRequestsAreRefusedNamingWhatIsWrong(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            record Case(String body, String mentions) {
            }
            for (Case c : List.of(
                new Case("{not json", "malformed JSON"),
                new Case("{\"name\":\"w\",\"topics\":[\"a\"],\"topcis\":[]}", "topcis"),
                new Case("{\"name\":\"w\"}", "topics"),
                new Case("{\"name\":\"w\",\"topics\":[\"a\",\"a\"]}", "named twice"),
                new Case("{\"name\":\"no spaces\",\"topics\":[\"a\"]}", "not a wave name"),
                new Case("{\"name\":\"w\",\"topics\":\"a\"}", "array"),
                new Case("{\"name\":\"w\",\"topics\":[\"a\"],\"clients\":{\"address\":\"10.0.0.0/99\"}}", "10.0.0.0/99"))) {
                HttpResponse<String> r = proxy.send("POST", "/waves", c.body(), Map.of());
                assertEquals(400, r.statusCode(), c.body() + " -> " + r.body());
                assertTrue(r.body().contains(c.mentions()), c.body() + " -> " + r.body());
            }
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"w1\",\"topics\":[\"a\"],\"groups\":[\"g\"]}", Map.of()).statusCode());
            HttpResponse<String> dup = proxy.send("POST", "/waves", "{\"name\":\"w1\",\"topics\":[\"b\"]}", Map.of());
            assertEquals(409, dup.statusCode());
            HttpResponse<String> overlap = proxy.send("POST", "/waves", "{\"name\":\"w2\",\"topics\":[\"b\"],\"groups\":[\"g\"]}", Map.of());
            assertEquals(409, overlap.statusCode());
            assertTrue(overlap.body().contains("w1"), overlap.body());
            assertEquals(404, proxy.send("GET", "/waves/nope", null, Map.of()).statusCode());
            assertEquals(404, proxy.send("POST", "/waves/nope/switch", null, Map.of()).statusCode());
            HttpResponse<String> early = proxy.send("POST", "/waves/w1/switch", null, Map.of());
            assertEquals(409, early.statusCode());
            assertTrue(json(early).get("error").asText().contains("PLANNED"), early.body());
            assertEquals(400, proxy.send("POST", "/waves/w1/rollback", "{\"force\":\"yes\"}", Map.of()).statusCode());
            assertEquals(401, proxy.sendWithoutToken("GET", "/waves").statusCode());
        }
    }

    @Test
    void wavesSurviveARestart(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        Path state;
        Map<String, Object> overrides = Map.of("clusters.target.bootstrap-servers", List.of(target.bootstrapServers().split(",")));
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"kept\",\"topics\":[\"k\"]}", Map.of()).statusCode());
            state = proxy.stateDir();
        }
        try (RunningProxy again = RunningProxy.start(source.bootstrapServers(), overrides, state)) {
            HttpResponse<String> r = again.send("GET", "/waves/kept", null, Map.of());
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("PLANNED", json(r).get("state").asText());
            assertEquals("k", json(r).get("topics").get(0).asText());
        }
    }

    @Test
    void withOneClusterWavesSayWhatIsMissing(EmbeddedKafkaCluster source) {
        try (RunningProxy proxy = RunningProxy.in(source)) {
            HttpResponse<String> r = proxy.send("GET", "/waves", null, Map.of());
            assertEquals(409, r.statusCode());
            assertTrue(r.body().contains("clusters.target"), r.body());
        }
    }
}
