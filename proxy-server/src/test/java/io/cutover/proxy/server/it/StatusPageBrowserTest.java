package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The status page in a real browser: Debian's headless Chromium, driven by playwright-core
 * (src/test/clients/status-page.mjs), against a proxy in front of two clusters with MirrorMaker 2
 * between them and a producer running. The operator's path: open /ui#token=..., see the wave READY,
 * press Switch, see SWITCHED with its write pause. `.ci/run` installs chromium and the node modules;
 * without them the test is skipped, except under CI, where that is a failure.
 */
@ExtendWith(KafkaClusterExtension.class)
class StatusPageBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
    private static final Path SCREENSHOT = Path.of("target", "status-page.png").toAbsolutePath();
    /** Kept in the repository for the README. */
    private static final Path README_SCREENSHOT = Path.of("..", "docs", "status-page.png").toAbsolutePath().normalize();

    private static String missing() {
        if (!Files.isExecutable(CHROMIUM)) {
            return CHROMIUM + " (apt-get install chromium)";
        }
        if (!Files.isDirectory(CLIENTS.resolve("node_modules/playwright-core"))) {
            return "playwright-core (npm install in " + CLIENTS + ")";
        }
        try {
            return new ProcessBuilder("node", "--version").start().waitFor() == 0 ? null : "node";
        } catch (IOException e) {
            return "node";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "node";
        }
    }

    /** Before the test's clusters are resolved, so a machine without a browser skips without starting brokers. */
    @BeforeEach
    void browserInstalled() {
        requireBrowser();
    }

    /** Skips the calling test where Chromium, playwright-core or node is missing; under CI that is a failure. */
    static void requireBrowser() {
        String missing = missing();
        if (missing != null && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(missing + " is not installed; .ci/run should have installed it");
        }
        assumeTrue(missing == null, () -> missing + " is not installed here (CI installs it)");
    }

    @Test
    void anOperatorSwitchesAWaveFromTheStatusPage(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("ui-orders");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 topic, ".*", Map.of());
             // Sampled every 200 ms, so the plots have points on both sides of the switch within seconds.
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of("history.sample-interval", "200 ms"));
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            // Traffic, so the page has request rates and replication lag to show.
            load.produce("ui-app", 20);
            Await.until("records through the proxy", Duration.ofSeconds(60), () -> load.ackedCount() > 50);
            createReady(proxy, "ui-wave", topic, List.of());

            String token = proxy.server().adminTokens().values().iterator().next();
            String page = proxy.admin("/ui") + "#token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
            Files.deleteIfExists(SCREENSHOT);
            JsonNode seen = runScript("status-page.mjs", page, "ui-wave", SCREENSHOT.toString());
            assertEquals("SWITCHED", seen.path("state").asText());
            assertTrue(seen.path("writePause").asText().matches("[\\d.,]+ ms"), "write pause shown: " + seen.path("writePause"));
            assertEquals("switched", seen.path("outcome").asText());
            assertTrue(seen.path("rollbackNote").asText().startsWith("Rollback available"), seen.toString());
            assertTrue(seen.path("waveSummary").asText().contains("Write pauses measured: 1"), seen.toString());
            assertTrue(seen.path("gates").toString().contains("replication-caught-up"), "gates with evidence: " + seen.path("gates"));
            assertTrue(seen.path("lagTopics").toString().contains(topic), "lag for the wave's topic: " + seen.path("lagTopics"));
            assertTrue(seen.path("rates").path("target").asText().matches("[\\d.,]+"), "the producer's requests reach the target: " + seen);
            // Clients are grouped by application: the workload's producer is one.
            assertTrue(seen.path("applications").toString().contains("producer:"), "applications shown: " + seen.path("applications"));
            // Without fleet.enabled, the fleet card lists this instance alone, ready.
            assertEquals("[{\"instance\":\"this\",\"state\":\"ready\"}]", seen.path("fleet").toString(), seen.toString());
            assertEquals("1 of 1 live", seen.path("fleetSummary").asText(), seen.toString());
            plotsShowTheSwitch(seen.path("plots"));

            // The token left the address bar; nothing came from elsewhere; every data call carried the token.
            assertEquals(proxy.admin("/ui").toString(), seen.path("urlAfterLoad").asText());
            assertEquals(0, seen.path("externalRequests").size(), seen.toString());
            assertTrue(seen.path("dataCalls").asInt() > 0);
            assertEquals(0, seen.path("dataCallsWithoutToken").size(), seen.toString());
            assertTrue(seen.path("loginMessage").asText().contains("401"), "a refused token brings the form back: " + seen);
            assertEquals("SWITCHED", seen.path("afterLogin").asText());

            // What the page showed is what the server holds.
            HttpResponse<String> wave = proxy.send("GET", "/waves/ui-wave", null, Map.of());
            assertEquals(200, wave.statusCode(), wave.body());
            assertEquals("SWITCHED", json(wave).get("state").asText());

            updateReadmeScreenshot(SCREENSHOT, README_SCREENSHOT);
        }
    }

    /**
     * The plots drew real samples: the switch as a write-pause point and a mark, the producer's
     * requests stepping from the source before the mark to the target after it, the wave's lag, and
     * the errors sent to move the producer.
     */
    private static void plotsShowTheSwitch(JsonNode plots) {
        JsonNode pauses = plots.path("pauses");
        assertTrue(pauses.path("series").path("ui-wave").size() >= 1, "the switch's write pause is a point: " + pauses);
        assertTrue(pauses.path("series").path("ui-wave").get(0).get(1).asDouble() > 0, pauses.toString());
        long mark = pauses.path("marks").get(0).asLong();
        JsonNode requests = plots.path("requests").path("series");
        double sourceBefore = mean(requests.path("source"), t -> t < mark);
        double sourceAfter = mean(requests.path("source"), t -> t > mark);
        double targetBefore = mean(requests.path("target"), t -> t < mark);
        double targetAfter = mean(requests.path("target"), t -> t > mark);
        String rates = "source " + sourceBefore + " -> " + sourceAfter + ", target " + targetBefore + " -> " + targetAfter + " req/s";
        System.out.println("STATUS-PAGE plotted requests per second around the switch: " + rates);
        assertTrue(sourceBefore > sourceAfter, "the source's rate drops at the switch: " + rates);
        assertTrue(targetAfter > targetBefore, "the target's rate rises at the switch: " + rates);
        assertTrue(targetAfter > sourceAfter, "after the switch the producer writes to the target: " + rates);
        assertTrue(plots.path("lag").path("series").path("ui-wave").size() > 0, "the wave's lag is plotted: " + plots.path("lag"));
        boolean sentErrors = false;
        for (JsonNode series : plots.path("errors").path("series")) {
            for (JsonNode point : series) {
                sentErrors |= point.get(1).asDouble() > 0;
            }
        }
        assertTrue(sentErrors, "the errors that moved the producer are plotted: " + plots.path("errors"));
        assertTrue(plots.has("stale"), "stale clients are plotted: " + plots.fieldNames());
    }

    /** The mean value of the points ([time, value]) whose time passes {@code when}; 0 for none. */
    private static double mean(JsonNode points, java.util.function.LongPredicate when) {
        double sum = 0;
        int n = 0;
        for (JsonNode p : points) {
            if (when.test(p.get(0).asLong())) {
                sum += p.get(1).asDouble();
                n++;
            }
        }
        return n == 0 ? 0 : sum / n;
    }

    /**
     * Runs one of src/test/clients' browser scripts to its end (3 minutes at most) and returns the JSON
     * line it prints last, which says what the page showed; fails unless the script did every step.
     */
    static JsonNode runScript(String script, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(script, ".log");
        List<String> command = new java.util.ArrayList<>(List.of("node", CLIENTS.resolve(script).toString()));
        command.addAll(List.of(args));
        Process node = new ProcessBuilder(command).directory(CLIENTS.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean ended = node.waitFor(3, TimeUnit.MINUTES);
        if (!ended) {
            node.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.deleteIfExists(log);
        System.out.println(script + " " + output.strip());
        assertTrue(ended, script + " did not finish in 3 minutes: " + output);
        assertEquals(0, node.exitValue(), script + " failed: " + output);
        List<String> lines = output.lines().filter(l -> l.startsWith("{")).toList();
        assertTrue(!lines.isEmpty(), "no JSON line from " + script + ": " + output);
        JsonNode seen = JSON.readTree(lines.get(lines.size() - 1));
        assertTrue(seen.path("ok").asBoolean(), output);
        return seen;
    }

    /**
     * Tests keep their screenshots in target/; the README's copy in docs/ is refreshed only when asked
     * (UPDATE_README_SCREENSHOT set), so that an ordinary build leaves the working tree clean.
     */
    static void updateReadmeScreenshot(Path screenshot, Path readmeCopy) throws IOException {
        assertTrue(Files.size(screenshot) > 10_000, "screenshot written to " + screenshot);
        if (System.getenv("UPDATE_README_SCREENSHOT") != null && Files.isDirectory(readmeCopy.getParent())) {
            Files.copy(screenshot, readmeCopy, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
