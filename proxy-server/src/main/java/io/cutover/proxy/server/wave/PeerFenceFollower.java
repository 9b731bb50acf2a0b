package io.cutover.proxy.server.wave;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.wave.Wave;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's part in a switch another instance of the fleet runs: when that instance posts a
 * wave's fence, raise the same fence here, let this instance's open transactions of the wave end,
 * drain this instance's writes to the cluster the wave leaves, and acknowledge; when it posts the
 * release, lower the fence (the routes it flipped were read first: the board is one ordered log).
 * A fence whose release never comes (the switching instance died) is lowered a grace period after
 * its deadline; the routes then say where the held writes go.
 *
 * <p>A release carries the producers' first sequences the switching instance read on the cluster
 * left; they are installed here before this instance lets its held writes go, so that no instance
 * writes a producer's newer batch to the cluster joined ahead of an older one held elsewhere.
 */
public final class PeerFenceFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerFenceFollower.class);
    private static final Duration REJOIN_WAIT = Duration.ofSeconds(30);

    private final FenceBoard board;
    private final Fences fences;
    private final FenceSteps steps;
    private final Routes routes;
    private final Function<String, Wave> waves;
    private final ClientInventory inventory;
    private final long fenceMaxBytes;
    private final Predicate<String> transactionOpen;
    private final Duration grace;
    private final ScheduledExecutorService worker;
    /** Null when producer ids are not virtual (one cluster). */
    private final FirstSequences firstSequences;
    /** Null when not told (tests of the fence alone). */
    private final CoordinatorTransactions coordinatorTransactions;
    /** The fence each switching instance has raised here, by that instance's id. */
    private final Map<String, Standing> standing = new ConcurrentHashMap<>();
    /** Switches whose end was read before this instance raised their fence (their raise still queued); bounded. */
    private final Set<String> ended = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > 64;
        }
    });

    private record Standing(String switchId, WriteFence fence, Wave wave, String to) {
    }

    PeerFenceFollower(FenceBoard board, Fences fences, FenceSteps steps, Routes routes, Function<String, Wave> waves,
                      ClientInventory inventory, long fenceMaxBytes, Predicate<String> transactionOpen, Duration grace,
                      FirstSequences firstSequences, CoordinatorTransactions coordinatorTransactions) {
        this.board = board;
        this.fences = fences;
        this.steps = steps;
        this.routes = routes;
        this.waves = waves;
        this.inventory = inventory;
        this.fenceMaxBytes = fenceMaxBytes;
        this.transactionOpen = transactionOpen;
        this.grace = grace;
        this.firstSequences = firstSequences;
        this.coordinatorTransactions = coordinatorTransactions;
        this.worker = DaemonScheduler.named("fleet-peer-fence");
    }

    public void start() {
        board.onPost(FenceBoard.FENCE, this::onFence);
        // An instance starting while a switch runs must hold that wave's writes too: the fences posted
        // before it listened are looked at once (a post seen both ways is taken once).
        Map<String, JsonNode> posted = board.readAll(FenceBoard.FENCE);
        // The newest release still within its sequences' deadline may have left producers whose first
        // batch on the cluster joined has not come yet; this instance's own too, if it restarted since.
        // Those already met elsewhere are let go at the first refusal (the cluster shows the producer's
        // state). Only the newest: an older switch's sequences have been passed since.
        posted.values().stream()
            .filter(post -> FenceRecord.RELEASE.equals(post.path("phase").asText()))
            .max(java.util.Comparator.comparingLong(post -> post.path("firstSequences").path("deadlineEpochMs").asLong()))
            .ifPresent(this::install);
        posted.forEach((entry, fence) -> onFence(entry, fence, false));
    }

    private void install(JsonNode release) {
        if (firstSequences == null) {
            return;
        }
        long now = System.currentTimeMillis();
        List<FirstSequences.Expectation> read = PostedSequences.read(release);
        if (read.isEmpty() || read.get(0).deadlineMillis() <= now) {
            return;
        }
        Wave wave = waves.apply(release.path("wave").asText());
        Set<String> topics = new HashSet<>();
        if (wave != null) {
            topics.addAll(wave.topics());
        }
        read.forEach(e -> topics.add(e.topic()));
        int installed = firstSequences.replace(topics, read);
        if (installed > 0) {
            LOG.info("fleet: holding {} producers' first batches on {} to their sequences, as read by the switch {}", installed,
                release.path("firstSequences").path("cluster").asText(), release.path("switchId").asText());
        }
    }

    private void onFence(String entry, JsonNode fence) {
        onFence(entry, fence, true);
    }

    /** @param live read as posted, not at start (where only the newest release's sequences count, installed above) */
    private void onFence(String entry, JsonNode fence, boolean live) {
        String coordinator = entry.substring(FenceBoard.FENCE.length());
        if (coordinator.equals(board.self())) {
            return;
        }
        String switchId = fence.path("switchId").asText();
        switch (fence.path("phase").asText()) {
            case FenceRecord.RAISE -> {
                long deadlineMs = fence.path("deadlineEpochMs").asLong();
                if (deadlineMs + grace.toMillis() < System.currentTimeMillis()) {
                    return; // an old fence read at start: its switch ended long ago
                }
                worker.execute(() -> raise(coordinator, switchId, fence));
                worker.schedule(() -> expire(coordinator, switchId), deadlineMs + grace.toMillis() - System.currentTimeMillis(),
                    TimeUnit.MILLISECONDS);
            }
            case FenceRecord.RELEASE -> {
                // Before the held writes go; also when this instance no longer holds (its fence expired
                // first): a producer's later batches are held to the sequences from now on, and one
                // met elsewhere meanwhile is let go at its first refusal.
                if (live) {
                    install(fence);
                }
                lower(coordinator, switchId, fence.path("routesVersion").asLong(), "released");
            }
            case FenceRecord.ABORT -> lower(coordinator, switchId, 0, "aborted: " + fence.path("reason").asText());
            default -> LOG.warn("fleet: fence post of {} in an unknown phase: {}", coordinator, fence);
        }
    }

    private void raise(String coordinator, String switchId, JsonNode post) {
        synchronized (ended) {
            if (ended.contains(switchId)) {
                return;
            }
        }
        Standing already = standing.get(coordinator);
        if (already != null && already.switchId().equals(switchId)) {
            return;
        }
        if (already != null) {
            // An instance runs one switch at a time: a new one means the last ended without a word (it crashed).
            lower(coordinator, already.switchId(), 0, "superseded by its next switch");
        }
        Wave wave = waves.apply(post.path("wave").asText());
        if (wave == null) {
            ack(coordinator, switchId, FenceRecord.REFUSED, "this instance does not know wave " + post.path("wave").asText());
            return;
        }
        String from = post.path("from").asText();
        WaveTransactionalIds ids = WaveTransactionalIds.fromReport(post);
        WriteFence fence = new WriteFence(new HashSet<>(wave.topics()), new HashSet<>(wave.groups()), from, wave.clients(), fenceMaxBytes,
            ids, transactionOpen);
        try {
            fences.raise(fence);
        } catch (IllegalStateException e) {
            ack(coordinator, switchId, FenceRecord.REFUSED, "another wave's fence stands here");
            return;
        }
        standing.put(coordinator, new Standing(switchId, fence, wave, post.path("to").asText()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(post.path("deadlineEpochMs").asLong() - System.currentTimeMillis());
        try {
            if (fence.movesTransactions()) {
                RouteTable next = RouteTableJson.tableFromJson(post.path("next"));
                // A transaction begun through another instance, or before this one started, is open here too: its
                // writes through this instance pass the boundary, and its end is learnt from its coordinator.
                java.util.Set<String> adopted;
                try {
                    adopted = coordinatorTransactions == null ? java.util.Set.of() : coordinatorTransactions.adopt(from, ids);
                } catch (ClusterAdmins.ClusterCallException e) {
                    throw new SwitchAbort("asking " + from + "'s coordinators which transactions are in progress: " + e.getMessage());
                }
                String refused = steps.awaitTransactionsEnded(routes.current(), next, fence,
                    adopted.isEmpty() ? () -> { } : () -> coordinatorTransactions.settle(from, adopted));
                if (refused != null) {
                    throw new SwitchAbort("gate no-open-transactions failed here: " + refused);
                }
                fence.holdWrites();
            }
            steps.drain(fence, from, new HashSet<>(wave.topics()), deadline);
            Failpoints.reached("peer-fence.drained");
            ack(coordinator, switchId, FenceRecord.HELD, null);
        } catch (SwitchAbort e) {
            lower(coordinator, switchId, 0, "refused: " + e.getMessage());
            ack(coordinator, switchId, FenceRecord.REFUSED, e.getMessage());
        } catch (RuntimeException e) {
            lower(coordinator, switchId, 0, "failed: " + e);
            ack(coordinator, switchId, FenceRecord.REFUSED, "unexpected failure: " + e);
        }
    }

    private void lower(String coordinator, String switchId, long routesVersion, String why) {
        Standing s = standing.get(coordinator);
        if (s == null || !s.switchId().equals(switchId) || !standing.remove(coordinator, s)) {
            synchronized (ended) {
                ended.add(switchId);
            }
            return;
        }
        if (routesVersion > 0 && routes.current().version() < routesVersion) {
            // The board is one log and the routes are read before the release; this would mean they were not.
            LOG.warn("fleet: releasing wave {}'s fence at route table version {}, before the flipped version {}", s.wave().name(),
                routes.current().version(), routesVersion);
        }
        if (routesVersion > 0) {
            Set<String> members = inventory == null ? Set.of() : inventory.membersOf(new HashSet<>(s.wave().groups()));
            if (!members.isEmpty()) {
                fences.expectRejoin(new RejoinGate(new HashSet<>(s.wave().topics()), new HashSet<>(s.wave().groups()), s.to(), members,
                    System.nanoTime() + REJOIN_WAIT.toNanos()));
            }
        }
        fences.lower(s.fence());
        LOG.info("fleet: wave {}'s fence raised by {} lowered here ({}; {} requests held)", s.wave().name(), coordinator, why,
            s.fence().heldRequests());
        ack(coordinator, switchId, FenceRecord.RELEASED, why);
    }

    private void expire(String coordinator, String switchId) {
        Standing s = standing.get(coordinator);
        if (s != null && s.switchId().equals(switchId)) {
            LOG.warn("fleet: no release of wave {}'s fence came from {} within its timeout and a grace of {} ms; lowering it here",
                s.wave().name(), coordinator, grace.toMillis());
            lower(coordinator, switchId, 0, "expired");
        }
    }

    private void ack(String coordinator, String switchId, String phase, String reason) {
        ObjectNode ack = JsonNodeFactory.instance.objectNode();
        ack.put("switchId", switchId);
        ack.put("coordinator", coordinator);
        ack.put("phase", phase);
        if (reason != null) {
            ack.put("reason", reason);
        }
        try {
            board.post(FenceBoard.ACK + board.self(), ack);
        } catch (RuntimeException e) {
            LOG.warn("fleet: could not acknowledge {}'s fence ({}): {}", coordinator, phase, e.toString());
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        standing.forEach((coordinator, s) -> fences.lower(s.fence()));
    }
}
