package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.StatusPageBrowserTest.runScript;
import static io.cutover.proxy.server.it.StatusPageBrowserTest.updateReadmeScreenshot;
import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A wave's cutover report from a real switch and rollback: two clusters, MirrorMaker 2, a producer
 * and a consumer group through the proxy. Its JSON carries every section with what happened; its HTML
 * renders in headless Chromium (src/test/clients/wave-report.mjs) with nothing loaded from elsewhere.
 */
@ExtendWith(KafkaClusterExtension.class)
class WaveReportBrowserTest {
    private static final Path SCREENSHOT = Path.of("target", "wave-report.png").toAbsolutePath();
    /** Kept in the repository for the README. */
    private static final Path README_SCREENSHOT = Path.of("..", "docs", "wave-report.png").toAbsolutePath().normalize();
    private static final String WAVE = "orders-report";

    @BeforeEach
    void browserInstalled() {
        StatusPageBrowserTest.requireBrowser();
    }

    @Test
    void theReportOfASwitchedThenRolledBackWaveShowsWhatHappenedAndRendersInABrowser(EmbeddedKafkaCluster source,
        @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("report-orders");
        String group = Clients.unique("report-app");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             // Sampled every 200 ms, so the history has traffic on both sides of each switch within seconds.
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of("history.sample-interval", "200 ms"));
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            // Given a producer and a consumer group on the wave's topic, through the proxy
            load.produce("report-producer", 10).consume(group, "classic");
            Await.until("records through the proxy", Duration.ofSeconds(60), () -> load.ackedCount() > 50 && !load.consumed(group).isEmpty());
            createReady(proxy, WAVE, topic, List.of(group));
            awaitTraffic(proxy, "source", Instant.now());

            // When the wave is switched, runs on the target for a while, and is rolled back
            Instant switched = Instant.now();
            assertEquals(200, post(proxy, "/switch", null).statusCode());
            awaitTraffic(proxy, "target", switched);
            Instant rolledBack = Instant.now();
            HttpResponse<String> back = post(proxy, "/rollback", "{\"force\":true}");
            assertEquals(200, back.statusCode(), back.body());
            assertEquals("ROLLED_BACK", json(back).get("state").asText());
            awaitTraffic(proxy, "source", rolledBack);

            // Then its JSON report carries every section with what happened
            JsonNode report = json(get(proxy, "?format=json"));
            theJsonTellsWhatHappened(report, topic, group);

            // And its HTML renders in a browser, self-contained, and prints
            HttpResponse<String> html = get(proxy, "");
            assertEquals(200, html.statusCode());
            assertTrue(html.headers().firstValue("content-type").orElse("").startsWith("text/html"));
            Files.deleteIfExists(SCREENSHOT);
            String token = proxy.server().adminTokens().values().iterator().next();
            JsonNode seen = runScript("wave-report.mjs", proxy.admin("/waves/" + WAVE + "/report").toString(), token, SCREENSHOT.toString());
            thePageDrewIt(seen, group);
            updateReadmeScreenshot(SCREENSHOT, README_SCREENSHOT);

            // Measured: the report's size once the wave has switched a third time.
            assertEquals("READY", json(post(proxy, "/check", null)).path("state").asText());
            assertEquals(200, post(proxy, "/switch", null).statusCode());
            int htmlBytes = get(proxy, "").body().getBytes(StandardCharsets.UTF_8).length;
            JsonNode three = json(get(proxy, "?format=json"));
            assertEquals(3, three.get("switches").size());
            System.out.println("WAVE-REPORT three switches and rollbacks (1 group, 3 partitions), real: HTML " + htmlBytes + " bytes, JSON "
                + three.toString().getBytes(StandardCharsets.UTF_8).length + " bytes");
        }
    }

    private static void theJsonTellsWhatHappened(JsonNode r, String topic, String group) {
        assertEquals(List.of("generatedAt", "definition", "timeline", "gates", "rehearsal", "switches", "clientsMoved", "traffic", "promote"),
            fields(r));
        assertEquals(WAVE, r.at("/definition/name").asText());
        assertEquals("ROLLED_BACK", r.at("/definition/state").asText());
        assertEquals(topic, r.at("/definition/topics/0").asText());
        assertEquals(group, r.at("/definition/groups/0").asText());

        List<String> states = new ArrayList<>();
        r.get("timeline").forEach(t -> states.add(t.get("to").asText()));
        assertEquals("PLANNED", states.get(0));
        assertEquals(List.of("READY", "SWITCHED", "ROLLED_BACK"), states.subList(states.size() - 3, states.size()), r.get("timeline").toString());
        r.get("timeline").forEach(t -> assertFalse(t.path("who").asText().isEmpty(), "who made each transition: " + t));

        assertTrue(r.get("gates").size() >= 5, r.get("gates").toString());
        r.get("gates").forEach(g -> {
            assertFalse(g.path("status").asText().isEmpty(), g.toString());
            assertTrue(g.path("evidence").isObject(), "evidence at the last check: " + g);
        });
        assertFalse(r.at("/rehearsal/done").asBoolean(), "never rehearsed, and the report says so");

        JsonNode switches = r.get("switches");
        assertEquals(2, switches.size(), switches.toString());
        assertEquals("source -> target", switches.get(0).get("direction").asText());
        assertEquals("target -> source", switches.get(1).get("direction").asText());
        for (JsonNode s : switches) {
            assertEquals("switched", s.get("outcome").asText(), s.toString());
            assertTrue(s.get("writePauseMs").asDouble() > 0, s.toString());
            assertTrue(s.get("stepsMs").has("fence") && s.get("stepsMs").has("flip"), "the pause's breakdown: " + s.get("stepsMs"));
            assertTrue(s.has("heldRequests"), s.toString());
        }
        JsonNode carried = switches.get(0).at("/groups/0");
        assertEquals(group, carried.get("group").asText(), switches.get(0).toString());
        assertEquals(3, carried.get("partitions").size(), "the group's offsets, per partition of the mirrored topic: " + carried);
        assertTrue(carried.get("maxRedelivery").asLong() >= 0, carried.toString());

        boolean producerMoved = false;
        for (JsonNode app : r.get("clientsMoved")) {
            for (JsonNode c : app.get("clients")) {
                producerMoved |= c.get("clientId").asText().equals("report-producer");
            }
        }
        assertTrue(producerMoved, "the producer is among the clients moved: " + r.get("clientsMoved"));

        JsonNode forward = r.at("/traffic/0");
        assertTrue(forward.get("history").asBoolean(), forward.toString());
        double sourceBefore = forward.at("/requestsPerSecondBefore/source").asDouble();
        double sourceAfter = forward.at("/requestsPerSecondAfter/source").asDouble();
        double targetBefore = forward.at("/requestsPerSecondBefore/target").asDouble();
        double targetAfter = forward.at("/requestsPerSecondAfter/target").asDouble();
        assertTrue(targetAfter > targetBefore && sourceBefore > sourceAfter, "the switch moved traffic from source to target: " + forward);
        JsonNode backward = r.at("/traffic/1");
        assertEquals("target -> source", backward.get("direction").asText());
        assertTrue(backward.get("history").asBoolean(), backward.toString());
        assertTrue(backward.at("/requestsPerSecondAfter/source").asDouble() > backward.at("/requestsPerSecondBefore/source").asDouble(),
            "the rollback brought traffic back to the source: " + backward);

        assertFalse(r.at("/promote/promoted").asBoolean());
        assertTrue(r.at("/promote/note").asText().contains("rolled back"), r.get("promote").toString());
    }

    private static void thePageDrewIt(JsonNode seen, String group) {
        assertEquals(200, seen.get("status").asInt(), seen.toString());
        assertEquals(List.of("definition", "timeline", "gates", "rehearsal", "switches", "clients", "traffic", "promote"),
            texts(seen.get("sections")));
        assertTrue(texts(seen.get("timeline")).contains("ROLLED_BACK"), seen.toString());
        assertEquals(2, seen.get("switches").size(), seen.toString());
        assertTrue(seen.get("pauseBars").asInt() > 0, "each write pause drawn by step: " + seen);
        assertTrue(texts(seen.get("groups")).contains(group), seen.toString());
        assertTrue(seen.get("trafficBars").asInt() > 0, "traffic before and after drawn: " + seen);
        assertEquals(0, seen.get("scripts").asInt(), "the report runs no script");
        assertEquals(0, seen.get("externalRequests").size(), "nothing loaded from elsewhere: " + seen);
        assertEquals(0, seen.get("pageErrors").size(), seen.toString());
        assertTrue(seen.get("pdfBytes").asInt() > 1_000, "it prints: " + seen);
    }

    /** Waits until the history holds samples since {@code since} in which {@code cluster} takes requests. */
    private static void awaitTraffic(RunningProxy proxy, String cluster, Instant since) {
        Await.until("requests to " + cluster + " in the history since " + since, Duration.ofSeconds(30), () -> {
            int busy = 0;
            for (JsonNode s : json(proxy.send("GET", "/history", null, Map.of())).get("samples")) {
                if (Instant.parse(s.get("at").asText()).isAfter(since) && s.at("/requestsPerSecond/" + cluster).asDouble() > 0) {
                    busy++;
                }
            }
            return busy >= 10;
        });
    }

    private static HttpResponse<String> post(RunningProxy proxy, String action, String body) {
        return proxy.send("POST", "/waves/" + WAVE + action, body, Map.of());
    }

    private static HttpResponse<String> get(RunningProxy proxy, String query) {
        HttpResponse<String> r = proxy.send("GET", "/waves/" + WAVE + "/report" + query, null, Map.of());
        assertEquals(200, r.statusCode(), r.body());
        return r;
    }

    private static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asText()));
        return out;
    }
}
