package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.wave.Wave;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A switch's fence over a fleet, through the {@link FenceBoard}: the switching instance posts the
 * fence, waits for every live instance's acknowledgement that it holds the wave's writes and has
 * drained them, and waits out the lease of every silent one, so that no instance can still write
 * the wave's topics to the cluster they leave once the routes flip. Then it posts the release (or
 * the abort).
 */
public final class BoardPeerFences implements PeerFences {
    private static final Logger LOG = LoggerFactory.getLogger(BoardPeerFences.class);
    private static final long POLL_NANOS = 2_000_000L;

    /** Reads the producers' last sequences for a switch settled after its instance crashed past the flip. */
    @FunctionalInterface
    public interface SettledSequences {
        List<FirstSequences.Expectation> read(Wave wave, String from, String to);
    }

    private final FenceBoard board;
    private volatile SettledSequences settledSequences = (wave, from, to) -> List.of();

    public BoardPeerFences(FenceBoard board) {
        this.board = board;
    }

    /**
     * A release this instance posts for a switch cut short past its flip carries the producers'
     * sequences {@code read} returns, as a switch's own release does.
     */
    public void readSequencesWith(SettledSequences read) {
        this.settledSequences = read;
    }

    @Override
    public PeerFence raise(Wave wave, String from, String to, WaveTransactionalIds transactionalIds, RouteTable next, long deadlineNanos) {
        String switchId = UUID.randomUUID().toString();
        Map<String, Long> live = new TreeMap<>(board.live());
        Map<String, Long> silent = new TreeMap<>(board.silent());
        ObjectNode fence = JsonNodeFactory.instance.objectNode();
        fence.put("switchId", switchId);
        fence.put("phase", FenceRecord.RAISE);
        fence.put("wave", wave.name());
        fence.put("from", from);
        fence.put("to", to);
        fence.set("transactionalIds", transactionalIds.toJson());
        fence.set("next", RouteTableJson.toJson(next));
        // The others' clocks count the fence's end from this wall-clock deadline (clocks kept in sync, as for Kafka).
        fence.put("deadlineEpochMs", System.currentTimeMillis() + TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
        long raised = System.nanoTime();
        if (!live.isEmpty() || !silent.isEmpty()) {
            board.post(FenceBoard.FENCE + board.self(), fence);
        }
        return new Raised(switchId, fence, live, silent, raised);
    }

    /**
     * At start, before any switch here and before this instance serves a client: a fence this
     * instance posted and never released or aborted belongs to a switch cut short by its crash.
     * The others hold the wave's writes for it until its deadline; tell them how it ended instead,
     * as the start settled it: released if the routes already send the wave where the switch was
     * going, aborted if not. Then wait, at most {@code wait}, until every live instance has let
     * what it held go: a producer's batch held there is older than any it sends here once this
     * instance serves, and on a cluster that has never seen the producer's real id the first batch
     * to arrive sets its sequence (FleetProcessTest saw a newer batch from here land first).
     */
    public void settleLeftover(java.util.function.Function<String, Wave> waves, RouteTable current, Duration wait) {
        String switchId = settleLeftoverOf(board.self(), waves, current);
        if (switchId == null) {
            return;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> waiting = new ArrayList<>(board.live().keySet());
        while (!waiting.isEmpty() && System.nanoTime() - deadline < 0) {
            waiting.removeIf(instance -> {
                JsonNode ack = board.read(FenceBoard.ACK + instance);
                // An instance that never raised this fence (it started later, or refused it) holds nothing of it.
                return ack == null || !switchId.equals(ack.path("switchId").asText()) || !FenceRecord.HELD.equals(ack.path("phase").asText());
            });
            if (!waiting.isEmpty()) {
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
        if (!waiting.isEmpty()) {
            LOG.warn("fleet: instance(s) {} did not say within {} that they let go of the writes held for the switch {} this instance "
                + "crashed in; serving anyway", waiting, wait, switchId);
        }
    }

    /**
     * The same for instance {@code coordinator}'s fence, by another instance once it has settled that
     * instance's switch for it (it did not come back): the others stop holding at once.
     */
    public String settleLeftoverOf(String coordinator, java.util.function.Function<String, Wave> waves, RouteTable current) {
        JsonNode own = board.read(FenceBoard.FENCE + coordinator);
        if (own == null || !FenceRecord.RAISE.equals(own.path("phase").asText())) {
            return null;
        }
        Wave wave = waves.apply(own.path("wave").asText());
        ObjectNode end = ((ObjectNode) own).deepCopy();
        end.remove("next");
        if (wave != null && WaveRoutes.pointAt(current, wave, own.path("to").asText())) {
            end.put("phase", FenceRecord.RELEASE);
            end.put("routesVersion", current.version());
            // The crash may have come before the release post that carried them: the others still
            // hold, so the sequences on the cluster left are final now (FleetProcessTest, crash at released).
            PostedSequences.write(end, settledSequences.read(wave, own.path("from").asText(), own.path("to").asText()));
        } else {
            end.put("phase", FenceRecord.ABORT);
            end.put("reason", "the switching instance " + coordinator + " stopped before it flipped the routes; undone");
        }
        board.post(FenceBoard.FENCE + coordinator, end);
        return own.path("switchId").asText();
    }

    private final class Raised implements PeerFence {
        private final String switchId;
        private final ObjectNode fence;
        private final Map<String, Long> live;
        private final Map<String, Long> silent;
        private final long raised;
        private final Map<String, Double> heldAfterMs = new TreeMap<>();
        private double leaseWaitMs;
        private long leaseEndsAt;
        private boolean posted;

        Raised(String switchId, ObjectNode fence, Map<String, Long> live, Map<String, Long> silent, long raised) {
            this.switchId = switchId;
            this.fence = fence;
            this.live = live;
            this.silent = silent;
            this.raised = raised;
            this.posted = !live.isEmpty() || !silent.isEmpty();
        }

        @Override
        public String awaitHeld(long deadlineNanos) {
            List<String> waiting = new ArrayList<>(live.keySet());
            while (!waiting.isEmpty()) {
                for (var it = waiting.iterator(); it.hasNext(); ) {
                    String instance = it.next();
                    JsonNode ack = board.read(FenceBoard.ACK + instance);
                    if (ack == null || !switchId.equals(ack.path("switchId").asText())) {
                        continue;
                    }
                    String phase = ack.path("phase").asText();
                    if (FenceRecord.REFUSED.equals(phase)) {
                        return "instance " + instance + " could not hold the wave's writes: " + ack.path("reason").asText();
                    }
                    if (FenceRecord.HELD.equals(phase)) {
                        heldAfterMs.put(instance, (System.nanoTime() - raised) / 1e6);
                        it.remove();
                    }
                }
                if (waiting.isEmpty()) {
                    break;
                }
                if (System.nanoTime() - deadlineNanos > 0) {
                    return "instance(s) " + waiting + " of the fleet did not acknowledge the fence within waves.fence-timeout";
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
            // A silent instance may still route the wave's writes until its lease runs out; after that it holds them itself.
            long leaseEnd = 0;
            String last = null;
            for (Map.Entry<String, Long> s : silent.entrySet()) {
                long end = board.leaseEndsAt(s.getValue());
                if (end > leaseEnd) {
                    leaseEnd = end;
                    last = s.getKey();
                }
            }
            leaseEndsAt = leaseEnd;
            long waitMs = leaseEnd - System.currentTimeMillis();
            if (waitMs > 0) {
                if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs) - deadlineNanos > 0) {
                    return "instance " + last + " of the fleet was last heard from at " + Instant.ofEpochMilli(silent.get(last))
                        + "; it may route the wave's writes until its lease ends at " + Instant.ofEpochMilli(leaseEnd)
                        + ", after waves.fence-timeout: retry after that";
                }
                long t = System.nanoTime();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(waitMs));
                leaseWaitMs = (System.nanoTime() - t) / 1e6;
            }
            return null;
        }

        @Override
        public void release(long routesVersion, List<FirstSequences.Expectation> firstSequences) {
            post(FenceRecord.RELEASE, routesVersion, null, firstSequences);
        }

        @Override
        public void abort(String reason) {
            post(FenceRecord.ABORT, 0, reason, List.of());
        }

        private void post(String phase, long routesVersion, String reason, List<FirstSequences.Expectation> firstSequences) {
            if (!posted) {
                return;
            }
            ObjectNode end = fence.deepCopy();
            end.remove("next");
            end.put("phase", phase);
            if (routesVersion > 0) {
                end.put("routesVersion", routesVersion);
            }
            if (reason != null) {
                end.put("reason", reason);
            }
            PostedSequences.write(end, firstSequences);
            board.post(FenceBoard.FENCE + board.self(), end);
        }

        @Override
        public void report(ObjectNode report) {
            if (!posted) {
                return;
            }
            ObjectNode fleet = report.putObject("fleet");
            fleet.put("switchId", switchId);
            ObjectNode held = fleet.putObject("heldAfterMs");
            heldAfterMs.forEach(held::put);
            silent.keySet().forEach(fleet.putArray("silentInstances")::add);
            fleet.put("leaseWaitMs", leaseWaitMs);
            if (leaseEndsAt > 0) {
                fleet.put("leaseEndsAt", Instant.ofEpochMilli(leaseEndsAt).toString());
                fleet.put("leaseEndsAtEpochMs", leaseEndsAt);
            }
        }
    }
}
