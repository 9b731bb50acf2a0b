package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.state.CorruptStateException;
import io.cutover.proxy.core.state.FileRouteStore;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The route table over HTTP: versioned replace, one-rule flips, validation, auth, audit, durability. */
@ExtendWith(KafkaClusterExtension.class)
class RoutesApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void replaceIsGuardedByTheVersionAndEveryChangeIsAudited(EmbeddedKafkaCluster source,
                                                              @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            HttpResponse<String> initial = proxy.send("GET", "/routes", null, Map.of());
            assertEquals(200, initial.statusCode());
            assertEquals(0, json(initial).get("version").asInt());
            assertEquals("source", json(initial).get("defaultCluster").asText());
            assertEquals("\"0\"", initial.headers().firstValue("ETag").orElseThrow());

            String table = "{\"rules\":[{\"resource\":\"topic\",\"match\":\"prefix\",\"pattern\":\"orders.\",\"cluster\":\"target\"},"
                + "{\"resource\":\"group\",\"pattern\":\"billing\",\"cluster\":\"target\",\"clients\":{\"clientIdPrefix\":\"billing-\"}}]}";
            assertEquals(428, proxy.send("PUT", "/routes", table, Map.of()).statusCode(), "If-Match is required");
            HttpResponse<String> put = proxy.send("PUT", "/routes", table, Map.of("If-Match", "\"0\""));
            assertEquals(200, put.statusCode(), put.body());
            assertEquals(1, json(put).get("version").asInt());
            assertEquals(2, json(put).get("rules").size());

            HttpResponse<String> stale = proxy.send("PUT", "/routes", "{\"rules\":[]}", Map.of("If-Match", "\"0\""));
            assertEquals(412, stale.statusCode(), "a second operator working from version 0 is refused");
            assertTrue(stale.body().contains("version 1"), stale.body());

            HttpResponse<String> flip = proxy.send("POST", "/routes/flip",
                "{\"resource\":\"topic\",\"match\":\"prefix\",\"pattern\":\"orders.\",\"cluster\":\"source\"}", Map.of());
            assertEquals(200, flip.statusCode(), flip.body());
            assertEquals(2, json(flip).get("version").asInt());
            assertEquals(2, json(flip).get("rules").size(), "the flip replaced the rule with the same key");
            assertEquals("source", json(flip).get("rules").get(0).get("cluster").asText());
            assertEquals(2, proxy.metric("cutover_proxy_routes_version"));
            assertEquals(1, proxy.metric("cutover_proxy_route_flips_total", "rule=\"topic:prefix:orders.\"", "cluster=\"target\""));
            assertEquals(1, proxy.metric("cutover_proxy_route_flips_total", "rule=\"topic:prefix:orders.\"", "cluster=\"source\""));

            List<String> audit = Files.readAllLines(proxy.stateDir().resolve("audit.log"));
            assertEquals(2, audit.size());
            JsonNode last = JSON.readTree(audit.get(1));
            assertEquals("local-operator", last.get("who").asText());
            assertEquals("flip", last.get("action").asText());
            assertEquals(1, last.get("before").get("version").asInt());
            assertEquals(2, last.get("after").get("version").asInt());
        }
    }

    @Test
    void badRequestsAreRefusedWithTheReason(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            record Case(String body, String reason) {
            }
            for (Case c : List.of(
                new Case("{\"resource\":\"topic\",\"pattern\":\"t\",\"cluster\":\"elsewhere\"}", "unknown cluster \\\"elsewhere\\\""),
                new Case("{\"resource\":\"topic\",\"pattern\":\"t\",\"cluster\":", "malformed JSON"),
                new Case("{\"resource\":\"topc\",\"pattern\":\"t\",\"cluster\":\"target\"}", "unknown resource"),
                new Case("{\"resource\":\"group\",\"match\":\"regex\",\"pattern\":\"g.*\",\"cluster\":\"target\"}", "regex rules are for topics only"),
                new Case("{\"resource\":\"topic\",\"match\":\"regex\",\"pattern\":\"(\",\"cluster\":\"target\"}", "invalid regex"),
                new Case("{\"resource\":\"topic\",\"pattern\":\"t\",\"cluster\":\"target\",\"colour\":\"red\"}", "unknown field \\\"colour\\\""),
                new Case("{\"resource\":\"topic\",\"pattern\":\"t\",\"cluster\":\"target\",\"clients\":{\"address\":\"10.0.0.0/33\"}}", "prefix length"),
                new Case("[]", "JSON object"))) {
                HttpResponse<String> r = proxy.send("POST", "/routes/flip", c.body(), Map.of());
                assertEquals(400, r.statusCode(), c.body());
                assertTrue(r.body().contains(c.reason()), r.body() + " names " + c.reason());
            }
            assertEquals(0, proxy.metric("cutover_proxy_routes_version"), "nothing was applied");
        }
    }

    @Test
    void aBearerTokenIsRequired(EmbeddedKafkaCluster source) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(source)) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> none = http.send(HttpRequest.newBuilder(proxy.admin("/routes")).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, none.statusCode());
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(proxy.admin("/routes")).header("Authorization", "Bearer nope").GET().build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(401, wrong.statusCode());
            assertEquals(200, proxy.send("GET", "/routes", null, Map.of()).statusCode());
            assertEquals(200, proxy.get("/health").statusCode(), "health needs no token");
            String token = Files.readString(proxy.stateDir().resolve("admin-token")).trim();
            assertEquals(proxy.server().adminTokens().get("local-operator"), token, "the made token is kept in the state directory");
        }
    }

    @Test
    void aRestartNeverRevertsAFlipAndACorruptTableStopsStartup(EmbeddedKafkaCluster source,
                                                                @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        Path stateDir;
        Map<String, Object> withTarget = Map.of("clusters.target.bootstrap-servers", List.of(target.bootstrapServers().split(",")));
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            proxy.flipTopic("payments", "target");
            stateDir = proxy.stateDir();
        }
        try (RunningProxy again = RunningProxy.start(source.bootstrapServers(), withTarget, stateDir)) {
            JsonNode table = json(again.send("GET", "/routes", null, Map.of()));
            assertEquals(1, table.get("version").asInt());
            assertEquals("target", table.get("rules").get(0).get("cluster").asText());
        }
        Files.writeString(stateDir.resolve(FileRouteStore.FILE_NAME), "{\"version\": 1, \"rules\": [ {");
        CorruptStateException e = assertThrows(CorruptStateException.class,
            () -> RunningProxy.start(source.bootstrapServers(), withTarget, stateDir).close());
        assertTrue(e.getMessage().contains(FileRouteStore.FILE_NAME), e.getMessage());
    }
}
