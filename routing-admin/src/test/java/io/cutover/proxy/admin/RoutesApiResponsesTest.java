package io.cutover.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.RouteService;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** How /routes reads requests into route service calls and turns the outcomes into statuses, bodies and ETags. */
class RoutesApiResponsesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "a-token-for-the-routes-test";

    private final ScriptedRoutes service = new ScriptedRoutes();
    private final AdminRouter router = new AdminRouter(new AdminAuth(Map.of("ops", TOKEN)));

    RoutesApiResponsesTest() {
        new RoutesApi(service).register(router, new AdminAuth(Map.of("ops", TOKEN)));
    }

    private AdminResponse send(String method, String path, String body, Map<String, String> headers) {
        Map<String, String> h = new HashMap<>(headers);
        h.put("authorization", "Bearer " + TOKEN);
        String p = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        Map<String, List<String>> query = path.endsWith("?force=true") ? Map.of("force", List.of("true")) : Map.of();
        return router.dispatch(new AdminRequest(method, p, query, Map.of(), h, body.getBytes(StandardCharsets.UTF_8)))
            .toCompletableFuture().exceptionally(e -> {
                AdminException a = (AdminException) (e.getCause() != null ? e.getCause() : e);
                return AdminResponse.error(a.status(), a.getMessage());
            }).join();
    }

    private static String error(AdminResponse r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void anAcceptedChangeAnswersTheTableWithItsVersionAsETag() throws Exception {
        RouteTable next = RouteTable.initial().next("target", List.of());
        service.outcome = Outcome.accepted(next);

        AdminResponse r = send("PUT", "/routes?force=true", "{\"defaultCluster\":\"target\",\"rules\":[]}", Map.of("if-match", "W/\"0\""));

        assertEquals(200, r.status());
        assertEquals("\"1\"", r.headers().get("ETag"));
        assertEquals("target", JSON.readTree(r.body()).get("defaultCluster").asText());
        assertEquals(0, service.basedOn.getAsLong(), "the If-Match version, unquoted");
        assertTrue(service.force);
        assertEquals("target", service.proposal.apply(RouteTable.initial()).defaultCluster(), "the body, made into a table");
    }

    @Test
    void putNeedsAReadableIfMatchAndAJsonBodyBeforeTheServiceIsAsked() throws Exception {
        AdminResponse none = send("PUT", "/routes", "{\"rules\":[]}", Map.of());
        assertEquals(428, none.status());
        AdminResponse unreadable = send("PUT", "/routes", "{\"rules\":[]}", Map.of("if-match", "latest"));
        assertEquals(400, unreadable.status());
        assertEquals("If-Match must carry the route table version, e.g. If-Match: \"3\"; got latest", error(unreadable));
        AdminResponse malformed = send("PUT", "/routes", "{\"rules\":", Map.of("if-match", "\"0\""));
        assertEquals(400, malformed.status());
        assertNull(service.proposal);
    }

    @Test
    void aStaleChangeIs412AndAFlipQuotesItsIfMatchBack() throws Exception {
        service.outcome = new Outcome.Stale<>(4, 3);
        AdminResponse put = send("PUT", "/routes", "{\"rules\":[]}", Map.of("if-match", "\"3\""));
        assertEquals(412, put.status());
        assertEquals("route table is at version 4, not 3; re-read it (GET /routes) and retry", error(put));

        AdminResponse flip = send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"target\"}", Map.of("if-match", "\"3\""));
        assertEquals(412, flip.status());
        assertEquals("route table is at version 4, not \"3\"", error(flip));
        assertEquals(3, service.basedOn.getAsLong());
    }

    @Test
    void refusalsAreTheirStatusesWithTheServicesReason() throws Exception {
        service.outcome = Outcome.conflict("refused: the change would split open transactions");
        AdminResponse conflict = send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"target\",\"force\":true}", Map.of());
        assertEquals(409, conflict.status());
        assertEquals("refused: the change would split open transactions", error(conflict));
        assertTrue(service.force);
        assertFalse(service.basedOn.isPresent(), "a flip without If-Match takes any version");
        assertEquals("orders", service.rule.pattern());

        service.outcome = Outcome.invalid("rule", "unknown cluster elsewhere");
        AdminResponse invalid = send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"elsewhere\"}", Map.of());
        assertEquals(400, invalid.status());
        assertEquals("unknown cluster elsewhere", error(invalid));
    }

    @Test
    void aRefusalForReadersSaysHowThisRequestMovesThemWithAWaveOrForced() throws Exception {
        String reason = "refused: this change moves topics that are being read: group billing. Move readers with a wave, "
            + "which carries their offsets, or force the change to move them anyway";
        service.outcome = new Outcome.Conflict<>(reason, null, new RouteService.MovesReaders(List.of("group billing")));

        AdminResponse flip = send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"target\"}", Map.of());
        assertEquals(409, flip.status());
        assertEquals(reason + ": create a wave with POST /waves, or repeat with \"force\": true", error(flip));

        AdminResponse put = send("PUT", "/routes", "{\"rules\":[]}", Map.of("if-match", "\"0\""));
        assertEquals(409, put.status());
        assertEquals(reason + ": create a wave with POST /waves, or repeat with ?force=true", error(put));
    }

    @Test
    void aFlipReportsAnInvalidRuleBeforeAnUnreadableIfMatchAndNeverAppliesIt() throws Exception {
        String flip = "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"elsewhere\"}";
        service.outcome = Outcome.invalid("rule", "unknown cluster elsewhere");
        AdminResponse invalid = send("POST", "/routes/flip", flip, Map.of("if-match", "latest"));
        assertEquals(400, invalid.status());
        assertEquals("unknown cluster elsewhere", error(invalid));

        service.outcome = new Outcome.Stale<>(0, -1);
        AdminResponse unreadable = send("POST", "/routes/flip", flip, Map.of("if-match", "latest"));
        assertEquals(400, unreadable.status());
        assertEquals("If-Match must carry the route table version, e.g. If-Match: \"3\"; got latest", error(unreadable));
        assertTrue(service.basedOn.getAsLong() < 0, "asked with a version no table has, so nothing can be applied");
    }

    @Test
    void aFlipWithANonBooleanForceIs400() throws Exception {
        AdminResponse r = send("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"orders\",\"cluster\":\"target\",\"force\":\"yes\"}", Map.of());
        assertEquals(400, r.status());
        assertEquals("\"force\" must be true or false", error(r));
        assertNull(service.rule);
    }

    /** Answers every change with {@link #outcome} and remembers what it was asked. */
    private static final class ScriptedRoutes implements RouteService {
        volatile Outcome<RouteTable> outcome;
        volatile UnaryOperator<RouteTable> proposal;
        volatile RouteRule rule;
        volatile OptionalLong basedOn;
        volatile boolean force;

        @Override
        public RouteTable current() {
            return RouteTable.initial();
        }

        @Override
        public CompletionStage<Outcome<RouteTable>> replace(UnaryOperator<RouteTable> proposal, long basedOn, boolean force, String who) {
            this.proposal = proposal;
            this.basedOn = OptionalLong.of(basedOn);
            this.force = force;
            return CompletableFuture.completedFuture(outcome);
        }

        @Override
        public CompletionStage<Outcome<RouteTable>> flip(RouteRule rule, OptionalLong basedOn, boolean force, String who) {
            this.rule = rule;
            this.basedOn = basedOn;
            this.force = force;
            return CompletableFuture.completedFuture(outcome);
        }
    }
}
