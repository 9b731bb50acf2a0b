package io.cutover.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.WaveService;
import io.cutover.proxy.core.service.WaveSpec;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import io.cutover.proxy.core.wave.report.WaveReport;
import io.cutover.proxy.core.wave.report.WaveReports;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How /waves turns the wave service's outcomes into statuses and bodies, with a service that answers what each test sets. */
class WavesApiResponsesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "a-token-for-the-waves-test";
    private static final Wave W1 = Wave.planned("w1", List.of("orders"), List.of("billing"), ClientSelector.ANY,
        Instant.parse("2026-12-04T18:00:00Z"), "alice");

    private final ScriptedWaves service = new ScriptedWaves();
    private final AdminRouter router = new AdminRouter(new AdminAuth(Map.of("ops", TOKEN)));
    private final WavesApi api = new WavesApi(service);

    WavesApiResponsesTest() {
        api.register(router, new AdminAuth(Map.of("ops", TOKEN)));
    }

    @AfterEach
    void close() {
        api.close();
    }

    private AdminResponse send(String method, String path, String body, Map<String, String> headers) {
        Map<String, String> h = new java.util.HashMap<>(headers);
        h.put("authorization", "Bearer " + TOKEN);
        return router.dispatch(new AdminRequest(method, path, Map.of(), Map.of(), h, body.getBytes(StandardCharsets.UTF_8)))
            .toCompletableFuture().exceptionally(e -> {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                AdminException a = (AdminException) cause;
                return AdminResponse.error(a.status(), a.getMessage());
            }).join();
    }

    private static JsonNode body(AdminResponse r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void aCreatedWaveIs201WithItsViewAndTheSpecReadFromTheBody() throws Exception {
        service.wave = Outcome.accepted(W1);

        AdminResponse r = send("POST", "/waves", "{\"name\":\"w1\",\"topics\":[\"orders\"],\"groups\":[\"billing\"],"
            + "\"clients\":{\"clientIdPrefix\":\"billing-\"}}", Map.of());

        assertEquals(201, r.status());
        assertEquals("w1", body(r).get("name").asText());
        assertEquals(false, body(r).get("rollbackAvailable").asBoolean());
        assertEquals(List.of("orders"), service.created.topics());
        assertEquals("billing-", service.created.clients().clientIdPrefix());
    }

    @Test
    void aMalformedSpecIs400AndNeverReachesTheService() throws Exception {
        AdminResponse unknown = send("POST", "/waves", "{\"name\":\"w1\",\"topic\":[\"orders\"]}", Map.of());
        assertEquals(400, unknown.status());
        assertEquals("unknown field topic; a wave takes [clients, groups, name, topics]", body(unknown).get("error").asText());

        AdminResponse twice = send("POST", "/waves", "{\"name\":\"w1\",\"topics\":[\"a\",\"a\"]}", Map.of());
        assertEquals(400, twice.status());
        assertEquals("topics: a is named twice", body(twice).get("error").asText());
        assertNull(service.created);
    }

    @Test
    void theServicesInvalidAndConflictAreTheirStatusesWithTheReason() throws Exception {
        service.wave = Outcome.invalid("topics", "topics: a wave moves at least one topic");
        AdminResponse invalid = send("POST", "/waves", "{\"name\":\"w1\"}", Map.of());
        assertEquals(400, invalid.status());
        assertEquals("{\"error\":\"topics: a wave moves at least one topic\"}", JSON.writeValueAsString(body(invalid)));

        service.wave = Outcome.conflict("a wave named w1 exists already");
        AdminResponse exists = send("POST", "/waves", "{\"name\":\"w1\",\"topics\":[\"orders\"]}", Map.of());
        assertEquals(409, exists.status());
        assertEquals("{\"error\":\"a wave named w1 exists already\"}", JSON.writeValueAsString(body(exists)));
    }

    @Test
    void anUnknownWaveIs404NamingHowToListThem() throws Exception {
        service.wave = Outcome.notFound("wave", "nope");
        AdminResponse r = send("GET", "/waves/nope", "", Map.of());
        assertEquals(404, r.status());
        assertEquals("no wave named nope (GET /waves lists them)", body(r).get("error").asText());
    }

    @Test
    void aSwitchRefusedByAGateShowsTheReasonTheGateAndTheWaveInThatOrder() throws Exception {
        ObjectNode evidence = JSON.createObjectNode();
        evidence.putArray("problems").add("orders-0 lags by 12");
        GateResult gate = new GateResult("replication-caught-up", "Target has the data", false, evidence, List.of(), "wait for MM2");
        service.wave = new Outcome.Conflict<>("refused: gate replication-caught-up failed: [\"orders-0 lags by 12\"]", W1, gate);

        AdminResponse r = send("POST", "/waves/w1/switch", "", Map.of());

        assertEquals(409, r.status());
        JsonNode b = body(r);
        assertEquals(List.of("error", "gate", "wave"), fields(b));
        assertEquals("FAIL", b.get("gate").get("status").asText());
        assertEquals("wait for MM2", b.get("gate").get("remedy").asText());
        assertEquals("w1", b.get("wave").get("name").asText());
    }

    @Test
    void unavailableAndIncompleteShowTheWaveTheyLeft() throws Exception {
        service.wave = new Outcome.Unavailable<>("switch refused, nothing moved: disk full", W1);
        AdminResponse unavailable = send("POST", "/waves/w1/switch", "", Map.of());
        assertEquals(503, unavailable.status());
        assertEquals(List.of("error", "wave"), fields(body(unavailable)));

        Wave switched = W1.to(WaveState.SWITCHED, Instant.parse("2026-12-04T18:01:00Z"), "alice", "switched");
        service.wave = new Outcome.Incomplete<>("switch-wave went through, but the wave's state could not be saved", switched);
        AdminResponse incomplete = send("POST", "/waves/w1/switch", "", Map.of());
        assertEquals(500, incomplete.status());
        assertEquals(WaveService.NO_RETURN, body(incomplete).get("wave").get("promoteWarning").asText());

        service.report = Outcome.unavailable("cannot check the gates: timeout");
        AdminResponse scorecard = send("GET", "/waves/w1/scorecard", "", Map.of());
        assertEquals(503, scorecard.status());
        assertEquals("{\"error\":\"cannot check the gates: timeout\"}", JSON.writeValueAsString(body(scorecard)));
    }

    @Test
    void theTextScorecardIsTextUnless404() throws Exception {
        service.text = Outcome.accepted("GATE  STATUS\n");
        AdminResponse ok = send("GET", "/waves/w1/scorecard", "", Map.of("accept", "text/plain"));
        assertEquals(200, ok.status());
        assertEquals("GATE  STATUS\n", new String(ok.body(), StandardCharsets.UTF_8));

        service.text = Outcome.unavailable("cannot compute the scorecard: timeout");
        AdminResponse down = send("GET", "/waves/w1/scorecard", "", Map.of("accept", "text/plain"));
        assertEquals(503, down.status());
        assertEquals("text/plain; charset=utf-8", down.contentType());
        assertEquals("cannot compute the scorecard: timeout\n", new String(down.body(), StandardCharsets.UTF_8));

        service.text = Outcome.notFound("wave", "nope");
        AdminResponse missing = send("GET", "/waves/nope/scorecard", "", Map.of("accept", "text/plain"));
        assertEquals(404, missing.status());
        assertEquals("no wave named nope", body(missing).get("error").asText());
    }

    @Test
    void aReportIsOneHtmlPageAllowedNothingButItsOwnStylesWithEveryClientIdEscaped() {
        ClientRecord.Snapshot hostile = new ClientRecord.Snapshot("<img src=x onerror=alert(1)>", "10.0.0.7", "apache-kafka-java", "4.3.1",
            Set.of("Produce"), Set.of("orders"), Set.of(), Set.of(), Set.of(), true, false, "source", 1,
            Instant.parse("2026-12-04T18:00:00Z"), Instant.parse("2026-12-04T18:05:00Z"), null);
        service.cutoverReport = Outcome.accepted(WaveReports.build(W1, List.of(hostile), null, Instant.parse("2026-12-04T19:00:00Z")));

        AdminResponse r = send("GET", "/waves/w1/report", "", Map.of());

        assertEquals(200, r.status());
        assertEquals("text/html; charset=utf-8", r.contentType());
        assertTrue(r.headers().get("Content-Security-Policy").startsWith("default-src 'none'"), r.headers().toString());
        String html = new String(r.body(), StandardCharsets.UTF_8);
        assertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"), html);
        assertFalse(html.contains("<img"), "no client-controlled markup: " + html);
    }

    @Test
    void aReportAsksForJsonWithFormatJsonAndAnUnknownWaveIs404Json() throws Exception {
        service.cutoverReport = Outcome.accepted(WaveReports.build(W1, List.of(), null, Instant.parse("2026-12-04T19:00:00Z")));
        AdminResponse json = router.dispatch(new AdminRequest("GET", "/waves/w1/report", Map.of("format", List.of("json")), Map.of(),
            Map.of("authorization", "Bearer " + TOKEN), new byte[0])).toCompletableFuture().join();
        assertEquals(200, json.status());
        assertEquals("application/json", json.contentType());
        assertEquals("w1", body(json).path("definition").path("name").asText());

        service.cutoverReport = Outcome.notFound("wave", "nope");
        AdminResponse missing = send("GET", "/waves/nope/report", "", Map.of());
        assertEquals(404, missing.status());
        assertEquals("application/json", missing.contentType());
        assertTrue(body(missing).get("error").asText().contains("nope"), body(missing).toString());
    }

    private static List<String> fields(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    /** Answers every wave operation with {@link #wave}, reports with {@link #report}, and remembers the last spec. */
    private static final class ScriptedWaves implements WaveService {
        volatile Outcome<Wave> wave;
        volatile Outcome<JsonNode> report;
        volatile Outcome<String> text;
        volatile Outcome<WaveReport> cutoverReport;
        volatile WaveSpec created;

        @Override
        public List<Wave> list() {
            return List.of(W1);
        }

        @Override
        public Outcome<Wave> get(String name) {
            return wave;
        }

        @Override
        public Outcome<Wave> create(WaveSpec spec, String who) {
            created = spec;
            return wave;
        }

        @Override
        public Outcome<Wave> check(String name, String who) {
            return wave;
        }

        @Override
        public Outcome<Wave> switchWave(String name, boolean force, String who) {
            return wave;
        }

        @Override
        public Outcome<Wave> rollback(String name, boolean force, String who) {
            return wave;
        }

        @Override
        public Outcome<Wave> promote(String name, String who) {
            return wave;
        }

        @Override
        public Outcome<JsonNode> rehearse(String name, boolean produce, String capture, String who) {
            return report;
        }

        @Override
        public Outcome<JsonNode> scorecard(String name) {
            return report;
        }

        @Override
        public Outcome<String> scorecardText(String name) {
            return text;
        }

        @Override
        public Outcome<WaveReport> report(String name) {
            return cutoverReport;
        }
    }
}
