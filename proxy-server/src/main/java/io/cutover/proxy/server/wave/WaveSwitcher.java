package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.core.wave.OffsetMapping;
import io.cutover.proxy.core.wave.PartitionSyncs;
import io.cutover.proxy.core.wave.SwitchStep;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.net.LiveConnections;
import io.cutover.proxy.server.net.UncertainWrites;
import io.cutover.proxy.server.route.RouteChangeGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;

/**
 * Moves a wave's clients between the clusters with the writes paused as briefly as the data allows:
 * fence (hold the wave's writes and commits at the proxy), drain (the writes already sent are
 * answered), sync (the destination holds every record the origin acknowledged, and the origin has
 * stopped moving), carry the groups' offsets, flip the routes, release. Any step that cannot finish
 * within the fence timeout, or finds a reason not to go on, aborts: the routes stay, and the held
 * requests go on to the cluster they were meant for. The write pause is measured from raising the
 * fence to releasing it.
 */
public final class WaveSwitcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WaveSwitcher.class);
    private static final long POLL_NANOS = 2_000_000L;
    /** How often a partition behind by its offsets is looked at record by record (see lastRecordCopied). */
    private static final long TAIL_CHECK_NANOS = 50_000_000L;
    /** How often connections held at a transaction boundary look at their request again. */
    private static final long RECONSIDER_NANOS = 20_000_000L;
    /** How long moved members' fetches on the destination wait for their rejoin at most. */
    private static final Duration REJOIN_WAIT = Duration.ofSeconds(30);

    private final Routes routes;
    private final FenceSteps steps;
    private volatile PeerFences peers = PeerFences.NONE;
    private final RouteChangeGuard transactionGuard;
    private final Fences fences;
    private final LiveConnections connections;
    private final TopicIds topicIds;
    private final ClusterAdmins admins;
    private final OffsetMapping mapping;
    private final OffsetSyncReader syncs;
    private final boolean reverseIdentity;
    private final Duration fenceTimeout;
    private final long fenceMaxBytes;
    private final io.cutover.proxy.core.inventory.ClientInventory inventory;
    private final Predicate<String> transactionOpen;
    private FirstSequenceReader firstSequences;
    private CoordinatorTransactions coordinatorTransactions;
    private io.cutover.proxy.server.route.OpenTransactions openTransactions;

    public WaveSwitcher(Routes routes, RouteChangeGuard transactionGuard, Fences fences, LiveConnections connections,
                        TopicIds topicIds, ClusterAdmins admins, OffsetMapping mapping, OffsetSyncReader syncs, boolean reverseIdentity,
                        Duration fenceTimeout, long fenceMaxBytes, io.cutover.proxy.core.inventory.ClientInventory inventory,
                        Predicate<String> transactionOpen) {
        this.inventory = inventory;
        this.transactionOpen = transactionOpen;
        this.routes = routes;
        this.transactionGuard = transactionGuard;
        this.fences = fences;
        this.connections = connections;
        this.topicIds = topicIds;
        this.admins = admins;
        this.mapping = mapping;
        this.syncs = syncs;
        this.reverseIdentity = reverseIdentity;
        this.fenceTimeout = fenceTimeout;
        this.fenceMaxBytes = fenceMaxBytes;
        this.steps = new FenceSteps(transactionGuard, connections, topicIds, fenceTimeout, fenceMaxBytes);
    }

    /**
     * Each switch that moves transactional ids first asks the coordinators of the cluster it leaves
     * which of them have a transaction in progress that {@code open} does not know of (one begun
     * before this proxy started), and waits for those too (see CoordinatorTransactions).
     */
    public void learnTransactionsFrom(io.cutover.proxy.server.route.OpenTransactions open) {
        this.coordinatorTransactions = new CoordinatorTransactions(admins, open, inventory);
        this.openTransactions = open;
    }

    /**
     * With virtual producer ids: each switch reads the producers' last sequences on the cluster it
     * leaves, so that their first batches on the other one come in order (see FirstSequences).
     */
    public void readFirstSequencesInto(io.cutover.proxy.core.virtual.ProducerIdMapper producers) {
        this.firstSequences = new FirstSequenceReader(admins, producers);
    }

    /**
     * The producers' last sequences on {@code from} for a switch of {@code wave} settled after its
     * instance crashed past the flip, held here and returned for the release post (see
     * FirstSequenceReader#readSettled); empty without virtual producer ids.
     */
    public List<FirstSequences.Expectation> settledFirstSequences(Wave wave, String from, String to) {
        if (firstSequences == null) {
            return List.of();
        }
        return firstSequences.readSettled(from, to, wave.topics(), System.nanoTime() + fenceTimeout.toNanos());
    }

    /** In a fleet: every switch raises its fence on the other instances too, and flips only once they all hold. */
    public void coordinateWith(PeerFences peers) {
        this.peers = peers;
    }

    /** This instance's part in the switches other instances of the fleet run, with this switcher's fences and steps. */
    public PeerFenceFollower follower(FenceBoard board, java.util.function.Function<String, Wave> waves, Duration grace) {
        return new PeerFenceFollower(board, fences, steps, routes, waves, inventory, fenceMaxBytes, transactionOpen, grace,
            firstSequences == null ? null : firstSequences.sequences(), coordinatorTransactions);
    }

    /** What a switch or rollback did: whether it went through, why not, its report, and the target's ends after it. */
    public record Outcome(boolean switched, String reason, ObjectNode report, Map<String, Long> targetEnds) {
    }

    /** Source to target; each step is written to {@code journal} before it acts. */
    public Outcome forward(Wave wave, SwitchRecorder journal) {
        return move(wave, ProxyConfig.SOURCE, ProxyConfig.TARGET, false, journal);
    }

    /** Target back to source; {@code force} rolls back even when the target was written to and nothing replicates back. */
    public Outcome back(Wave wave, boolean force, SwitchRecorder journal) {
        return move(wave, ProxyConfig.TARGET, ProxyConfig.SOURCE, force, journal);
    }

    private Outcome move(Wave wave, String from, String to, boolean force, SwitchRecorder journal) {
        boolean forward = from.equals(ProxyConfig.SOURCE);
        long started = System.nanoTime();
        ObjectNode report = JSON.createObjectNode();
        report.put("direction", from + " -> " + to);
        report.put("startedAt", java.time.Instant.now().toString());
        Set<String> topics = new HashSet<>(wave.topics());
        List<TopicPartition> partitions;
        try {
            // A rollback looks at every partition the target has: records written to partitions the
            // source lacks would otherwise be missed and the rollback would look free.
            partitions = partitions(wave, from);
        } catch (ClusterAdmins.ClusterCallException e) {
            return aborted(report, "cannot describe the wave's topics on " + from + ": " + e.getMessage(), null, 0, journal);
        }

        // The proxy's reader of MM2's offset syncs catches up before the fence, not under it.
        if (forward && syncs != null && mapping == OffsetMapping.MIRRORMAKER2 && !syncs.awaitCaughtUp(fenceTimeout.multipliedBy(6))) {
            return aborted(report, "the proxy has not yet read MirrorMaker 2's offset syncs to their end; retry shortly", null, 0, journal);
        }
        if (forward) {
            // Catch up before the fence as far as the replicator allows, so that the sync under the
            // fence only waits for the last few milliseconds of writes, not for a replicator hiccup.
            try {
                awaitReplicated(null, admins.endOffsets(from, partitions), System.nanoTime() + fenceTimeout.multipliedBy(6).toNanos());
            } catch (SwitchAbort | ClusterAdmins.ClusterCallException e) {
                return aborted(report, "before the fence: " + e.getMessage(), null, 0, journal);
            }
            if (mapping == OffsetMapping.MIRRORMAKER2 && !partitions.isEmpty()) {
                try {
                    // The sync may read partitions' last records under the fence (transactional topics): connect now.
                    admins.tails().warm(ProxyConfig.SOURCE, partitions.get(0));
                    admins.tails().warm(ProxyConfig.TARGET, partitions.get(0));
                } catch (RuntimeException e) {
                    return aborted(report, "before the fence, reading the wave's partitions: " + e.getMessage(), null, 0, journal);
                }
            }
            report.put("preSyncMs", ms(System.nanoTime() - started));
        }
        Map<String, Map<TopicPartition, Long>> preCarried;
        try {
            preCarried = preCarry(wave, from, to, report);
        } catch (ClusterAdmins.ClusterCallException e) {
            return aborted(report, "before the fence, carrying the groups' offsets: " + e.getMessage(), null, 0, journal);
        }
        // Writes of unknown outcome settle before the fence, not under it (the drain checks again).
        try {
            long t = System.nanoTime();
            steps.awaitSettled(from, topics, t + fenceTimeout.multipliedBy(6).toNanos(), "before the fence");
            report.put("unknownOutcomeWaitMs", ms(System.nanoTime() - t));
        } catch (SwitchAbort e) {
            return aborted(report, e.getMessage(), null, 0, journal);
        }
        // A transaction's writes and its coordinator stay on one cluster: the transactional ids that
        // write the wave's topics move with it (and back with a rollback), between two transactions.
        WaveTransactionalIds transactionalIds = WaveTransactionalIds.of(wave, inventory)
            .and(WaveTransactionalIds.fromReport(wave.lastSwitch()));
        if (!transactionalIds.isEmpty()) {
            report.set("transactionalIds", transactionalIds.toJson());
        }
        WriteFence fence = new WriteFence(topics, new HashSet<>(wave.groups()), from, wave.clients(), fenceMaxBytes, transactionalIds,
            transactionOpen);
        RouteTable current = routes.current();
        RouteTable next = WaveRoutes.pointing(current, wave, transactionalIds, to);
        Set<String> adopted = Set.of();
        if (fence.movesTransactions() && coordinatorTransactions != null) {
            try {
                adopted = coordinatorTransactions.adopt(from, transactionalIds);
            } catch (ClusterAdmins.ClusterCallException e) {
                return aborted(report, "before the fence, asking " + from + "'s coordinators which transactions are in progress: "
                    + e.getMessage(), null, 0, journal);
            }
            if (!adopted.isEmpty()) {
                // Begun before this proxy started (or through another instance): it waits for them as for any open one.
                report.set("transactionsInProgressAtCoordinator", JSON.valueToTree(adopted));
                LOG.info("wave {}: waiting for {} transaction(s) in progress at {}'s coordinators that this proxy did not see begin: {}",
                    wave.name(), adopted.size(), from, adopted);
            }
        }
        long boundary = System.nanoTime();
        if (fence.movesTransactions()) {
            // At the transaction boundary: the next transaction of a moving id waits at the proxy,
            // so the ones in progress can all end (a busy exactly-once application always has one open).
            try {
                fences.raise(fence);
            } catch (IllegalStateException e) {
                return aborted(report, "another wave is switching; retry when it is done", null, 0, journal);
            }
        }
        // Open transactions end by themselves: wait for them before the writes are held, so they do
        // not count in the write pause (and cannot be split by it).
        Set<String> waitingFor = adopted;
        String refused = steps.awaitTransactionsEnded(current, next, fence,
            waitingFor.isEmpty() ? () -> { } : () -> coordinatorTransactions.settle(from, waitingFor));
        if (refused != null) {
            return aborted(report, "gate no-open-transactions failed: " + refused, fence.movesTransactions() ? fence : null, boundary, journal);
        }
        try {
            journal.step(SwitchStep.FENCED, report, null);
        } catch (SwitchRecorder.JournalUnwritable e) {
            return aborted(report, e.getMessage(), fence.movesTransactions() ? fence : null, boundary, journal);
        }
        long persistBeforeFence = journal.persistNanos();
        long fenced = System.nanoTime();
        long deadline = fenced + fenceTimeout.toNanos();
        if (fence.movesTransactions()) {
            report.put("transactionBoundaryMs", ms(fenced - boundary));
            fence.holdWrites();
        } else {
            try {
                fences.raise(fence);
            } catch (IllegalStateException e) {
                return aborted(report, "another wave is switching; retry when it is done", null, 0, journal);
            }
        }
        // The other instances of a fleet hold the wave's writes too, and drain their own, while this one drains.
        PeerFences.PeerFence peerFence;
        try {
            peerFence = peers.raise(wave, from, to, transactionalIds, next, deadline);
        } catch (RuntimeException e) {
            return aborted(report, "could not post the fence to the rest of the fleet: " + e.getMessage(), fence, fenced, journal);
        }
        report.put("fenceMs", ms(System.nanoTime() - fenced));
        Map<String, Long> targetEnds;
        List<FirstSequences.Expectation> expectations = List.of();
        try {
            long t = System.nanoTime();
            steps.drain(fence, from, topics, deadline);
            report.put("drainMs", ms(System.nanoTime() - t));
            t = System.nanoTime();
            String notHeld = peerFence.awaitHeld(deadline);
            if (notHeld != null) {
                throw new SwitchAbort(notHeld);
            }
            report.put("fleetHoldMs", ms(System.nanoTime() - t));
            // Drained: the producers' last sequences on the cluster left are final; read them while the sync waits.
            FirstSequenceReader.Pending lastSequences = firstSequences == null ? null : firstSequences.start(from, partitions);

            journal.step(SwitchStep.SYNCED, report, null);
            t = System.nanoTime();
            Map<TopicPartition, Long> fromEnds = admins.endOffsets(from, partitions);
            Map<TopicPartition, Long> toEnds = forward
                ? awaitReplicated(fence, fromEnds, deadline)
                : rollbackSync(wave, fromEnds, force, report);
            Map<TopicPartition, Long> fromEndsAgain = admins.endOffsets(from, partitions);
            if (!fromEndsAgain.equals(fromEnds)) {
                if (!onlyMarkersAdded(from, fromEnds, fromEndsAgain)) {
                    throw new SwitchAbort("the end offsets of " + from + " moved while the wave's writes were held at the proxy ("
                        + moved(fromEnds, fromEndsAgain) + "): something writes to " + from + " around the proxy");
                }
                // A coordinator writes a transaction's markers after it answered EndTxn; they hold no records.
                report.put("markersAfterFence", moved(fromEnds, fromEndsAgain));
                fromEnds = fromEndsAgain;
            }
            Map<TopicPartition, Long> sourceEnds = forward ? fromEnds : toEnds;
            // Evidence: every record below these offsets of the cluster left was on the other side at the flip.
            ObjectNode synced = report.putObject("syncedThrough");
            fromEnds.forEach((tp, end) -> synced.put(tp.toString(), end));
            Map<TopicPartition, Long> targetEndsNow = forward ? withExtraTargetPartitions(wave, toEnds) : fromEnds;
            report.put("syncMs", ms(System.nanoTime() - t));
            targetEnds = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, Long> e : targetEndsNow.entrySet()) {
                targetEnds.put(e.getKey().toString(), e.getValue());
            }

            journal.step(SwitchStep.GROUPS_CARRIED, report, forward ? targetEnds : null);
            t = System.nanoTime();
            report.set("groups", carryGroups(wave, from, to, sourceEnds, targetEndsNow, preCarried));
            steps.checkFence(fence, deadline, "carrying the groups' offsets");
            Set<String> members = inventory.membersOf(new HashSet<>(wave.groups()));
            if (!members.isEmpty()) {
                fences.expectRejoin(new RejoinGate(topics, new HashSet<>(wave.groups()), to, members,
                    System.nanoTime() + REJOIN_WAIT.toNanos()));
                members.forEach(report.putArray("membersToRejoin")::add);
            }
            report.put("carryMs", ms(System.nanoTime() - t));

            if (lastSequences != null) {
                long read = System.nanoTime();
                expectations = lastSequences.install(to, deadline, report);
                // Under the fence only as long as the read outlasted the sync and the carry it ran beside.
                report.put("firstSequencesMs", ms(System.nanoTime() - read));
            }
            if (openTransactions != null && fence.movesTransactions()) {
                // A transactional write sent just before the boundary, its answer still on its way when the open
                // transactions were counted, has opened a transaction since: the flip would split it (its later writes
                // and its commit would go to the other cluster, and its coordinator here would abort the rest).
                List<String> split = openTransactions.splitBy(next);
                if (!split.isEmpty()) {
                    throw new SwitchAbort("a transaction began just before the writes were held, and the flip would split it: "
                        + String.join("; ", split) + ". Retry: the switch waits for it at the transaction boundary");
                }
            }
            journal.step(SwitchStep.FLIPPED, report, null);
            t = System.nanoTime();
            RouteTable now = routes.current();
            RouteTable flipped = WaveRoutes.pointing(now, wave, transactionalIds, to);
            try {
                routes.replace(now.version(), flipped);
            } catch (Routes.VersionConflictException e) {
                throw new SwitchAbort("the route table changed during the switch; retry");
            } catch (Routes.StoreUnavailableException e) {
                throw new SwitchAbort("the flipped routes could not be stored: " + e.getMessage());
            }
            journal.point("routes-written");
            report.put("flippedAtEpochMs", System.currentTimeMillis());
            report.put("flipMs", ms(System.nanoTime() - t));
            report.put("routesVersion", flipped.version());
        } catch (SwitchAbort | ClusterAdmins.ClusterCallException | SwitchRecorder.JournalUnwritable e) {
            peerFence.abort(e.getMessage());
            peerFence.report(report);
            return aborted(report, e.getMessage(), fence, fenced, journal);
        } catch (RuntimeException e) {
            peerFence.abort("unexpected failure: " + e);
            peerFence.report(report);
            return aborted(report, "unexpected failure: " + e, fence, fenced, journal);
        }
        // Past the flip nothing aborts: the routes point at the destination, so the held requests go there.
        report.put("persistMs", ms(journal.persistNanos() - persistBeforeFence));
        try {
            journal.step(SwitchStep.RELEASED, report, null);
        } catch (SwitchRecorder.JournalUnwritable e) {
            report.put("warning", e.getMessage() + " (the routes were written; a restart completes the switch)");
        }
        long t = System.nanoTime();
        // The flipped routes are on the board before this release: every instance routes by them when it lowers its fence.
        peerFence.release(routes.current().version(), expectations);
        peerFence.report(report);
        fences.lower(fence);
        long released = System.nanoTime();
        report.put("releaseMs", ms(released - t));
        report.put("persistMs", ms(journal.persistNanos() - persistBeforeFence));
        report.put("writePauseMs", ms(released - fenced));
        if (fence.movesTransactions()) {
            report.put("transactionHoldMs", ms(released - boundary));
        }
        report.put("heldRequests", fence.heldRequests());
        report.put("heldBytes", fence.heldBytes());
        report.put("heldConnections", fence.heldConnections());
        report.put("outcome", "switched");
        return new Outcome(true, null, report, targetEnds);
    }

    private Outcome aborted(ObjectNode report, String reason, WriteFence fence, long fenced, SwitchRecorder journal) {
        if (fence != null) {
            fences.lower(fence); // held requests go on to where they were going
            report.put("writePauseMs", ms(System.nanoTime() - fenced));
            report.put("heldRequests", fence.heldRequests());
            report.put("heldBytes", fence.heldBytes());
        }
        report.put("outcome", "aborted");
        report.put("reason", reason);
        journal.finish("aborted", report);
        return new Outcome(false, reason, report, null);
    }

    private boolean onlyMarkersAdded(String cluster, Map<TopicPartition, Long> before, Map<TopicPartition, Long> after) {
        for (Map.Entry<TopicPartition, Long> e : after.entrySet()) {
            long was = before.getOrDefault(e.getKey(), 0L);
            if (e.getValue() != was && admins.tails().dataRecords(cluster, e.getKey(), was, e.getValue()) > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until the target holds everything below the source's (fenced) ends, through the offset
     * mapping. Where the count reaches past MM2's latest sync, the target must also hold a copy of
     * the source's last data record: a restarted MM2 copies records again, so the count alone would
     * take the target as caught up while the source's last records are still on their way, and the
     * producers' next writes would land on the target before them.
     */
    private Map<TopicPartition, Long> awaitReplicated(WriteFence fence, Map<TopicPartition, Long> sourceEnds, long deadline) {
        long nextTailCheck = System.nanoTime();
        Set<TopicPartition> lastRecordSeen = new HashSet<>();
        while (true) {
            Map<TopicPartition, Long> targetEnds = admins.endOffsets(ProxyConfig.TARGET, sourceEnds.keySet());
            List<String> behind = new ArrayList<>();
            boolean checkTails = mapping == OffsetMapping.MIRRORMAKER2 && System.nanoTime() - nextTailCheck >= 0;
            if (checkTails) {
                nextTailCheck = System.nanoTime() + TAIL_CHECK_NANOS;
            }
            for (Map.Entry<TopicPartition, Long> e : sourceEnds.entrySet()) {
                long te = targetEnds.getOrDefault(e.getKey(), 0L);
                PartitionSyncs s = syncs == null ? null : syncs.syncs(e.getKey());
                long through = mapping.replicatedThrough(s, te);
                if (e.getValue() <= 0 || lastRecordSeen.contains(e.getKey())) {
                    continue;
                }
                boolean counted = through >= e.getValue() && !mapping.countsPastLatestSync(s, te);
                if (!counted && checkTails && lastRecordCopied(e.getKey(), e.getValue(), te)) {
                    lastRecordSeen.add(e.getKey());
                    counted = true;
                }
                if (!counted) {
                    behind.add(e.getKey() + " (source end " + e.getValue() + ", replicated through " + through
                        + (through >= e.getValue() ? " by count, its last record not yet seen there" : "") + ")");
                }
            }
            if (behind.isEmpty()) {
                return targetEnds;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new SwitchAbort("the target did not catch up within " + (fence == null ? "6 x " : "") + "waves.fence-timeout ("
                    + fenceTimeout.toMillis() + " ms): " + behind);
            }
            if (fence != null) {
                steps.checkFence(fence, deadline, "waiting for the target to catch up");
            }
            LockSupport.parkNanos(POLL_NANOS * 5);
        }
    }

    /**
     * True when the target holds a copy of the last committed data record below {@code sourceEnd}:
     * MirrorMaker 2 copies data records in order and never markers, so a transactional partition is
     * caught up even though its end offset, counting the markers, is never reached through the
     * offset syncs. Committed, because MM2 reading read_committed (as it must, see the
     * {@code aborted-not-replicated} gate) never copies what an aborted transaction wrote, and a
     * partition whose last transaction aborted would otherwise never look caught up.
     */
    private boolean lastRecordCopied(TopicPartition tp, long sourceEnd, long targetEnd) {
        var last = admins.tails().lastCommittedRecord(ProxyConfig.SOURCE, tp, sourceEnd);
        return last == null || admins.tails().holdsCopyOf(ProxyConfig.TARGET, false, tp, targetEnd, last);
    }

    /**
     * For a rollback: nothing may be lost on the way back. Allowed when the target was not written
     * since the switch, when an offset-preserving reverse replicator has caught up, or when forced.
     */
    private Map<TopicPartition, Long> rollbackSync(Wave wave, Map<TopicPartition, Long> targetEnds, boolean force, ObjectNode report) {
        List<TopicPartition> onSource = new ArrayList<>(partitions(wave, ProxyConfig.SOURCE));
        onSource.retainAll(targetEnds.keySet());
        Map<TopicPartition, Long> sourceEnds = admins.endOffsets(ProxyConfig.SOURCE, onSource);
        List<String> written = new ArrayList<>();
        long records = 0;
        for (Map.Entry<TopicPartition, Long> e : targetEnds.entrySet()) {
            Long atSwitch = wave.targetEndsAtSwitch().get(e.getKey().toString());
            // A partition the switch did not record (one the source lacks, on a wave switched before
            // such partitions were recorded) counts from its start: better refuse than lose records.
            long since = e.getValue() - (atSwitch == null ? 0 : atSwitch);
            if (since > 0) {
                written.add(e.getKey() + ": " + since + " records");
                records += since;
            }
        }
        report.put("recordsWrittenToTargetSinceSwitch", records);
        if (written.isEmpty()) {
            return sourceEnds;
        }
        if (reverseIdentity) {
            List<String> behind = new ArrayList<>();
            targetEnds.forEach((tp, te) -> {
                if (sourceEnds.getOrDefault(tp, 0L) < te) {
                    behind.add(tp + " (target end " + te + ", source end " + sourceEnds.getOrDefault(tp, 0L) + ")");
                }
            });
            if (behind.isEmpty()) {
                return sourceEnds;
            }
            if (!force) {
                throw new SwitchAbort("records were written to the target since the switch and the reverse replication has not caught up: "
                    + behind + "; wait, or roll back with force");
            }
        } else if (!force) {
            throw new SwitchAbort("records were written to the target since the switch (" + String.join(", ", written)
                + ") and no reverse replication is configured (waves.reverse-mapping = none): rolling back would leave them "
                + "behind on the target. Roll back with {\"force\": true} to accept that");
        }
        report.put("forced", true);
        report.put("warning", "forced rollback: " + records + " records written to the target since the switch are not on the source");
        return sourceEnds;
    }

    /**
     * Before the fence: finds the groups' coordinators on the destination (a cluster that never had
     * a group creates its offsets topic then, which takes a second), removes members a moved group
     * left behind there, and carries the offsets committed so far, so that under the fence only what
     * was committed since is left to carry. Returns what it carried.
     */
    private Map<String, Map<TopicPartition, Long>> preCarry(Wave wave, String from, String to, ObjectNode report) {
        if (wave.groups().isEmpty()) {
            return Map.of();
        }
        long t = System.nanoTime();
        Set<String> stale = admins.withMembers(to, wave.groups());
        for (String group : stale) {
            admins.removeMembers(to, group);
        }
        if (!stale.isEmpty()) {
            stale.forEach(report.putArray("membersRemovedBeforeFence")::add);
        }
        boolean forward = from.equals(ProxyConfig.SOURCE);
        Map<TopicPartition, Long> sourceEnds = admins.endOffsets(ProxyConfig.SOURCE, partitions(wave, ProxyConfig.SOURCE));
        Map<TopicPartition, Long> targetEnds = admins.endOffsets(ProxyConfig.TARGET, partitions(wave, ProxyConfig.TARGET));
        Map<String, Map<TopicPartition, Long>> carried = new LinkedHashMap<>();
        translate(wave, forward, admins.committed(from, wave.groups(), new HashSet<>(wave.topics())), sourceEnds, targetEnds,
            JSON.createObjectNode(), carried);
        carried.values().removeIf(Map::isEmpty);
        admins.commitAll(to, carried);
        report.put("preCarryMs", ms(System.nanoTime() - t));
        return carried;
    }

    /**
     * Under the fence: reads every group's committed offsets at once, translates them, and commits,
     * in parallel, only the partitions whose offset differs from what was carried before the fence.
     */
    private ObjectNode carryGroups(Wave wave, String from, String to, Map<TopicPartition, Long> sourceEnds,
                                   Map<TopicPartition, Long> targetEnds, Map<String, Map<TopicPartition, Long>> preCarried) {
        ObjectNode out = JSON.createObjectNode();
        if (wave.groups().isEmpty()) {
            return out;
        }
        boolean forward = from.equals(ProxyConfig.SOURCE);
        Map<String, Map<TopicPartition, Long>> carried = new LinkedHashMap<>();
        translate(wave, forward, admins.committed(from, wave.groups(), new HashSet<>(wave.topics())), sourceEnds, targetEnds, out,
            carried);
        Map<String, Map<TopicPartition, Long>> delta = new LinkedHashMap<>();
        carried.forEach((group, offsets) -> {
            Map<TopicPartition, Long> before = preCarried.getOrDefault(group, Map.of());
            Map<TopicPartition, Long> changed = new HashMap<>();
            offsets.forEach((tp, o) -> {
                if (!o.equals(before.get(tp))) {
                    changed.put(tp, o);
                }
            });
            ((ObjectNode) out.get(group)).put("committedUnderFence", changed.size());
            if (!changed.isEmpty()) {
                delta.put(group, changed);
            }
        });
        admins.commitAll(to, delta);
        return out;
    }

    /**
     * Translates each group's committed offsets to the destination into {@code carried}, and writes
     * a report row per group (offsets, translation slack, what was consumed but not committed).
     */
    private void translate(Wave wave, boolean forward, Map<String, Map<TopicPartition, Long>> committed,
                           Map<TopicPartition, Long> sourceEnds, Map<TopicPartition, Long> targetEnds, ObjectNode out,
                           Map<String, Map<TopicPartition, Long>> carried) {
        for (String group : wave.groups()) {
            Map<TopicPartition, Long> mine = new HashMap<>();
            long slack = 0;
            long uncommitted = 0;
            ObjectNode g = out.putObject(group);
            ObjectNode parts = g.putObject("partitions");
            for (Map.Entry<TopicPartition, Long> e : committed.getOrDefault(group, Map.of()).entrySet()) {
                TopicPartition tp = e.getKey();
                if (!forward && !sourceEnds.containsKey(tp)) {
                    // A partition only the target has: the group cannot read it on the source.
                    parts.putObject(tp.toString()).put("committed", e.getValue()).put("notOnDestination", true);
                    continue;
                }
                long se = sourceEnds.getOrDefault(tp, 0L);
                long te = targetEnds.getOrDefault(tp, 0L);
                OffsetMapping.Translated t = forward
                    ? mapping.toTarget(syncs == null ? null : syncs.syncs(tp), e.getValue(), se, te)
                    : (reverseIdentity ? OffsetMapping.IDENTITY : mapping).toSource(syncs == null ? null : syncs.syncs(tp), e.getValue(), se, te);
                mine.put(tp, t.offset());
                long fromEnd = forward ? se : te;
                long notCommitted = Math.max(0, fromEnd - e.getValue());
                slack += t.slack();
                uncommitted += notCommitted;
                ObjectNode p = parts.putObject(tp.toString());
                p.put("committed", e.getValue());
                p.put("carried", t.offset());
                p.put("translationSlack", t.slack());
                p.put("uncommittedAtSwitch", notCommitted);
            }
            carried.put(group, mine);
            g.put("translationSlack", slack);
            g.put("uncommittedAtSwitch", uncommitted);
            // A member may re-read what it consumed but had not committed, plus what the translation could not place exactly.
            g.put("maxRedelivery", slack + uncommitted);
        }
    }

    /** The target's ends with those of partitions the source lacks, so a rollback can tell what was written there since. */
    private Map<TopicPartition, Long> withExtraTargetPartitions(Wave wave, Map<TopicPartition, Long> targetEnds) {
        List<TopicPartition> extra = new ArrayList<>(partitions(wave, ProxyConfig.TARGET));
        extra.removeAll(targetEnds.keySet());
        if (extra.isEmpty()) {
            return targetEnds;
        }
        Map<TopicPartition, Long> all = new LinkedHashMap<>(targetEnds);
        all.putAll(admins.endOffsets(ProxyConfig.TARGET, extra));
        return all;
    }

    private List<TopicPartition> partitions(Wave wave, String cluster) {
        List<TopicPartition> out = new ArrayList<>();
        admins.partitions(cluster, wave.topics()).forEach((t, n) -> {
            for (int p = 0; p < n; p++) {
                out.add(new TopicPartition(t, p));
            }
        });
        return out;
    }

    private static String moved(Map<TopicPartition, Long> before, Map<TopicPartition, Long> after) {
        List<String> out = new ArrayList<>();
        after.forEach((tp, a) -> {
            Long b = before.get(tp);
            if (!a.equals(b)) {
                out.add(tp + " " + b + " -> " + a);
            }
        });
        return String.join(", ", out);
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
