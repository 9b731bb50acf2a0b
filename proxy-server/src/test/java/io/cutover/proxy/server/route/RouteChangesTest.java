package io.cutover.proxy.server.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.RouteService;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.core.state.FileRouteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The route service's outcomes, without HTTP: each refusal leaves the table as it was and unaudited. */
class RouteChangesTest {
    @TempDir
    Path state;

    private static final RouteRule ORDERS_TO_TARGET = new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "orders", null, "target");

    private Routes routes() {
        return new Routes(new FileRouteStore(state), List.of("source", "target"));
    }

    private AuditLog audit() {
        return new AuditLog(state, Clock.systemUTC());
    }

    private static Outcome<RouteTable> await(java.util.concurrent.CompletionStage<Outcome<RouteTable>> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void aFlipIsAcceptedAppliedAndAudited() throws Exception {
        Routes routes = routes();
        RouteChanges changes = new RouteChanges(routes, audit(), RouteChangeGuard.NONE, ReaderCheck.NONE);

        Outcome<RouteTable> o = await(changes.flip(ORDERS_TO_TARGET, OptionalLong.of(0), false, "alice"));

        RouteTable applied = (RouteTable) assertInstanceOf(Outcome.Accepted.class, o).value();
        assertEquals(1, applied.version());
        assertEquals("target", routes.current().rule(ORDERS_TO_TARGET.key()).cluster());
        String line = Files.readString(state.resolve(AuditLog.FILE_NAME));
        assertTrue(line.contains("\"who\":\"alice\"") && line.contains("\"action\":\"flip\""), line);
    }

    @Test
    void aRuleForAnUnknownClusterIsInvalidAndNothingChanges() {
        Routes routes = routes();
        RouteChanges changes = new RouteChanges(routes, audit(), RouteChangeGuard.NONE, ReaderCheck.NONE);

        Outcome<RouteTable> o = await(changes.flip(ORDERS_TO_TARGET.withCluster("elsewhere"), OptionalLong.empty(), false, "alice"));

        Outcome.Invalid<?> invalid = assertInstanceOf(Outcome.Invalid.class, o);
        assertEquals("rule", invalid.field());
        assertTrue(invalid.reason().contains("elsewhere"), invalid.reason());
        assertInstanceOf(Outcome.Invalid.class,
            await(changes.flip(ORDERS_TO_TARGET.withCluster("elsewhere"), OptionalLong.of(-1), false, "alice")),
            "validity is reported before the version");
        assertEquals(0, routes.current().version());
        assertFalse(Files.exists(state.resolve(AuditLog.FILE_NAME)));
    }

    @Test
    void aChangeBasedOnAnOldVersionIsStaleAndValidityComesFirst() {
        Routes routes = routes();
        RouteChanges changes = new RouteChanges(routes, audit(), RouteChangeGuard.NONE, ReaderCheck.NONE);
        await(changes.flip(ORDERS_TO_TARGET, OptionalLong.empty(), false, "alice"));

        Outcome<RouteTable> stale = await(changes.replace(live -> live.next(live.defaultCluster(), List.of()), 0, false, "bob"));
        Outcome.Stale<?> s = assertInstanceOf(Outcome.Stale.class, stale);
        assertEquals(1, s.current());
        assertEquals(0, s.expected());
        assertEquals("target", routes.current().rule(ORDERS_TO_TARGET.key()).cluster(), "bob did not overwrite alice");

        Outcome<RouteTable> both = await(changes.replace(live -> live.next("elsewhere", List.of()), 0, false, "bob"));
        assertEquals("routes", assertInstanceOf(Outcome.Invalid.class, both).field());

        Outcome<RouteTable> flipStale = await(changes.flip(ORDERS_TO_TARGET.withCluster("source"), OptionalLong.of(0), false, "bob"));
        assertInstanceOf(Outcome.Stale.class, flipStale);
        assertEquals(1, routes.current().version());
    }

    @Test
    void readersOfAMovedTopicRefuseAPlainChangeButNotAForcedOne() {
        Routes routes = routes();
        AtomicInteger asked = new AtomicInteger();
        ReaderCheck readers = (current, next) -> {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(List.of("group billing has offsets committed on source for [orders]"));
        };
        RouteChanges changes = new RouteChanges(routes, audit(), RouteChangeGuard.NONE, readers);

        Outcome<RouteTable> refused = await(changes.flip(ORDERS_TO_TARGET, OptionalLong.empty(), false, "alice"));
        Outcome.Conflict<?> c = assertInstanceOf(Outcome.Conflict.class, refused);
        assertTrue(c.reason().contains("group billing has offsets committed on source for [orders]"), c.reason());
        assertFalse(c.reason().contains("POST") || c.reason().contains("?force"), "the admin API names its own endpoints: " + c.reason());
        assertEquals(new RouteService.MovesReaders(List.of("group billing has offsets committed on source for [orders]")), c.evidence());
        assertEquals(0, routes.current().version());

        Outcome<RouteTable> forced = await(changes.flip(ORDERS_TO_TARGET, OptionalLong.empty(), true, "alice"));
        assertInstanceOf(Outcome.Accepted.class, forced);
        assertEquals(1, asked.get(), "a forced change does not ask who reads");
        assertEquals(1, routes.current().version());
    }

    @Test
    void theGuardsRefusalIsAConflictWithItsReason() {
        Routes routes = routes();
        RouteChangeGuard openTransaction = (current, next) ->
            CompletableFuture.completedFuture(Optional.of("refused: the change would split open transactions: t1"));
        RouteChanges changes = new RouteChanges(routes, audit(), openTransaction, ReaderCheck.NONE);

        Outcome<RouteTable> o = await(changes.replace(live -> live.withRule(ORDERS_TO_TARGET), 0, true, "alice"));

        assertEquals("refused: the change would split open transactions: t1", assertInstanceOf(Outcome.Conflict.class, o).reason());
        assertEquals(0, routes.current().version());
        assertFalse(Files.exists(state.resolve(AuditLog.FILE_NAME)));
    }
}
