package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.wave.Wave;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** The switching instance's side of a fleet fence, over an in-memory board. */
class BoardPeerFencesTest {
    private static final Wave WAVE = Wave.planned("w", List.of("orders"), List.of("billing"), ClientSelector.ANY, Instant.EPOCH, "test");
    private static final long LEASE_MS = 1_000;

    /** A board whose other instances are whatever the test says; posts land in a map. */
    private static final class Board implements FenceBoard {
        final Map<String, JsonNode> posts = new ConcurrentHashMap<>();
        final Map<String, Long> live = new TreeMap<>();
        final Map<String, Long> silent = new TreeMap<>();
        /** Whether "b" lets go of what it held, and says so, when the fence it held for is released or aborted. */
        volatile boolean letsGo;

        @Override
        public String self() {
            return "a";
        }

        @Override
        public void post(String entry, ObjectNode body) {
            posts.put(entry, body);
            // A peer that answers at once: "b" holds, "r" refuses.
            if (entry.equals(FENCE + "a") && body.path("phase").asText().equals(FenceRecord.RAISE)) {
                if (live.containsKey("b")) {
                    posts.put(ACK + "b", ack(body, FenceRecord.HELD, null));
                }
                if (live.containsKey("r")) {
                    posts.put(ACK + "r", ack(body, FenceRecord.REFUSED, "another wave's fence stands here"));
                }
            } else if (entry.equals(FENCE + "a") && letsGo && live.containsKey("b")) {
                posts.put(ACK + "b", ack(body, FenceRecord.RELEASED, body.path("phase").asText()));
            }
        }

        private static ObjectNode ack(JsonNode fence, String phase, String reason) {
            ObjectNode n = JsonNodeFactory.instance.objectNode().put("switchId", fence.path("switchId").asText()).put("phase", phase);
            return reason == null ? n : n.put("reason", reason);
        }

        @Override
        public JsonNode read(String entry) {
            return posts.get(entry);
        }

        @Override
        public Map<String, JsonNode> readAll(String prefix) {
            Map<String, JsonNode> out = new TreeMap<>();
            posts.forEach((k, v) -> {
                if (k.startsWith(prefix)) {
                    out.put(k, v);
                }
            });
            return out;
        }

        @Override
        public void onPost(String prefix, BiConsumer<String, JsonNode> listener) {
        }

        @Override
        public Map<String, Long> live() {
            return live;
        }

        @Override
        public Map<String, Long> silent() {
            return silent;
        }

        @Override
        public Duration lease() {
            return Duration.ofMillis(LEASE_MS);
        }

        @Override
        public long leaseEndsAt(long lastHeartbeatMs) {
            return lastHeartbeatMs + LEASE_MS;
        }
    }

    private static long in(long millis) {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void aloneThereIsNothingToPostOrWaitFor() {
        Board board = new Board();
        PeerFences.PeerFence fence = new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE,
            RouteTable.initial(), in(1_000));
        assertNull(fence.awaitHeld(in(1_000)));
        fence.release(2, java.util.List.of());
        assertTrue(board.posts.isEmpty(), "one instance alone posts nothing: " + board.posts);
    }

    @Test
    void everyLiveInstanceMustHoldBeforeTheFlipAndTheReleaseNamesTheFlippedRoutes() {
        Board board = new Board();
        board.live.put("b", System.currentTimeMillis());
        PeerFences.PeerFence fence = new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE,
            RouteTable.initial(), in(1_000));
        JsonNode raised = board.posts.get(FenceBoard.FENCE + "a");
        assertEquals("w", raised.path("wave").asText());
        assertEquals("source", raised.path("from").asText());
        assertTrue(raised.path("deadlineEpochMs").asLong() > System.currentTimeMillis(), raised.toString());
        assertNull(fence.awaitHeld(in(1_000)));
        var read = new io.cutover.proxy.core.virtual.FirstSequences.Expectation(4711L, "orders", 0, "target", (short) 0, 99,
            System.currentTimeMillis() + 120_000);
        fence.release(7, List.of(read));
        JsonNode released = board.posts.get(FenceBoard.FENCE + "a");
        assertEquals(FenceRecord.RELEASE, released.path("phase").asText());
        assertEquals(7, released.path("routesVersion").asLong());
        assertEquals(List.of(read), PostedSequences.read(released), "the others hold the producers to what this instance read");
        assertEquals(raised.path("switchId"), released.path("switchId"));
        ObjectNode report = JsonNodeFactory.instance.objectNode();
        fence.report(report);
        assertTrue(report.path("fleet").path("heldAfterMs").has("b"), report.toString());
    }

    @Test
    void anInstanceThatRefusesOrDoesNotAnswerAbortsTheSwitchByName() {
        Board refusing = new Board();
        refusing.live.put("r", System.currentTimeMillis());
        String why = new BoardPeerFences(refusing).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, RouteTable.initial(),
            in(1_000)).awaitHeld(in(1_000));
        assertTrue(why != null && why.contains("instance r") && why.contains("another wave's fence stands here"), why);

        Board quiet = new Board();
        quiet.live.put("q", System.currentTimeMillis());
        PeerFences.PeerFence fence = new BoardPeerFences(quiet).raise(WAVE, "source", "target", WaveTransactionalIds.NONE,
            RouteTable.initial(), in(200));
        String late = fence.awaitHeld(in(200));
        assertTrue(late != null && late.contains("[q]") && late.contains("did not acknowledge"), late);
        fence.abort(late);
        assertEquals(FenceRecord.ABORT, quiet.posts.get(FenceBoard.FENCE + "a").path("phase").asText());
    }

    @Test
    void aSilentInstancesLeaseIsWaitedOutOrTheSwitchIsRefusedWhenItEndsAfterTheDeadline() {
        Board soon = new Board();
        long lastHeard = System.currentTimeMillis() - LEASE_MS + 300;
        soon.silent.put("s", lastHeard);
        PeerFences.PeerFence fence = new BoardPeerFences(soon).raise(WAVE, "source", "target", WaveTransactionalIds.NONE,
            RouteTable.initial(), in(5_000));
        assertNull(fence.awaitHeld(in(5_000)));
        assertTrue(System.currentTimeMillis() >= lastHeard + LEASE_MS, "returned before the silent instance's lease ended");
        ObjectNode report = JsonNodeFactory.instance.objectNode();
        fence.report(report);
        assertTrue(report.path("fleet").path("leaseWaitMs").asDouble() > 0, report.toString());
        assertEquals("s", report.path("fleet").path("silentInstances").path(0).asText(), report.toString());

        Board late = new Board();
        late.silent.put("s", System.currentTimeMillis());
        String why = new BoardPeerFences(late).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, RouteTable.initial(),
            in(100)).awaitHeld(in(100));
        assertTrue(why != null && why.contains("instance s") && why.contains("lease ends"), why);
    }

    @Test
    void aFenceLeftRaisedByACrashIsSettledAtTheNextStartAsTheRoutesSay() {
        Board board = new Board();
        board.live.put("b", System.currentTimeMillis());
        RouteTable before = RouteTable.initial();
        RouteTable flipped = WaveRoutes.pointing(before, WAVE, "target");
        new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, flipped, in(60_000));
        String switchId = board.posts.get(FenceBoard.FENCE + "a").path("switchId").asText();

        // Restarted before the flip: the others are told the switch is off, not left holding until its deadline.
        new BoardPeerFences(board).settleLeftover(name -> WAVE, before, Duration.ZERO);
        JsonNode settled = board.posts.get(FenceBoard.FENCE + "a");
        assertEquals(FenceRecord.ABORT, settled.path("phase").asText());
        assertEquals(switchId, settled.path("switchId").asText());
        assertTrue(settled.path("reason").asText().contains("stopped before it flipped"), settled.toString());

        // Restarted after the flip: a release naming the routes it serves, with the producers' sequences read now
        // on the cluster left (the crash may have come before the release that would have carried them).
        new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, flipped, in(60_000));
        BoardPeerFences restarted = new BoardPeerFences(board);
        var read = new io.cutover.proxy.core.virtual.FirstSequences.Expectation(4711L, "orders", 1, "target", (short) 0, 41,
            System.currentTimeMillis() + 120_000);
        List<String> asked = new java.util.ArrayList<>();
        restarted.readSequencesWith((wave, from, to) -> {
            asked.add(wave.name() + " " + from + "->" + to);
            return List.of(read);
        });
        restarted.settleLeftover(name -> WAVE, flipped, Duration.ZERO);
        settled = board.posts.get(FenceBoard.FENCE + "a");
        assertEquals(FenceRecord.RELEASE, settled.path("phase").asText());
        assertEquals(flipped.version(), settled.path("routesVersion").asLong());
        assertEquals(List.of("w source->target"), asked);
        assertEquals(List.of(read), PostedSequences.read(settled));

        // Nothing left raised: a start posts nothing more.
        board.posts.clear();
        new BoardPeerFences(board).settleLeftover(name -> WAVE, flipped, Duration.ZERO);
        assertTrue(board.posts.isEmpty(), board.posts.toString());
    }

    @Test
    void aRestartedCoordinatorGoesOnOnlyOnceTheOthersLetGoOfWhatTheyHeldForItsSwitch() {
        Board board = new Board();
        board.live.put("b", System.currentTimeMillis());
        RouteTable flipped = WaveRoutes.pointing(RouteTable.initial(), WAVE, "target");

        // "b" still holds the writes of the crashed switch and never says it let go: waited for, up to the bound.
        new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, flipped, in(60_000));
        long began = System.nanoTime();
        new BoardPeerFences(board).settleLeftover(name -> WAVE, flipped, Duration.ofMillis(300));
        assertTrue(System.nanoTime() - began >= TimeUnit.MILLISECONDS.toNanos(300), "went on while b still held the switch's writes");

        // "b" lets go as soon as it reads the release: no waiting out the bound.
        new BoardPeerFences(board).raise(WAVE, "source", "target", WaveTransactionalIds.NONE, flipped, in(60_000));
        board.letsGo = true;
        began = System.nanoTime();
        new BoardPeerFences(board).settleLeftover(name -> WAVE, flipped, Duration.ofSeconds(30));
        assertTrue(System.nanoTime() - began < TimeUnit.SECONDS.toNanos(20), "waited although b had let go");
        assertEquals(FenceRecord.RELEASED, board.posts.get(FenceBoard.ACK + "b").path("phase").asText());
    }
}
