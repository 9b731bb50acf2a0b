package io.cutover.proxy.server.wave;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance of a fleet routes the writes of a wave that may switch only while its lease is
 * fresh: while its heartbeats reach the fleet's board. Cut off from the board, it cannot see a
 * switch's fence, so once its lease runs out it holds those writes itself (every wave not yet
 * promoted, towards either cluster) until its heartbeats get through again. A switch waits out the
 * lease of an instance it cannot hear from before it flips ({@link BoardPeerFences}), so that
 * instance cannot write a wave's topics to the cluster the wave left.
 */
public final class LeaseHold implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseHold.class);

    private final Fences fences;
    private final LongSupplier lastHeartbeatWrittenMs;
    private final Duration lease;
    private final Supplier<List<Wave>> waves;
    private final long maxBytes;
    private final ScheduledExecutorService timer;
    private WriteFence standing;

    /**
     * {@code lastHeartbeatWrittenMs}: when the last heartbeat was sent that the board acknowledged
     * and this instance read back and applied everything before (epoch ms), so that a lease is fresh
     * again only once this instance has adopted whatever the fleet wrote meanwhile (a flipped route
     * table) too.
     */
    public LeaseHold(Fences fences, LongSupplier lastHeartbeatWrittenMs, Duration lease, Supplier<List<Wave>> waves, long maxBytes) {
        this.fences = fences;
        this.lastHeartbeatWrittenMs = lastHeartbeatWrittenMs;
        this.lease = lease;
        this.waves = waves;
        this.maxBytes = maxBytes;
        this.timer = DaemonScheduler.named("fleet-lease");
    }

    public void start() {
        long every = Math.max(20, lease.toMillis() / 8);
        timer.scheduleWithFixedDelay(this::check, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether this instance holds the waves' writes because its lease ran out. */
    public synchronized boolean holding() {
        return standing != null;
    }

    synchronized void check() {
        long silentFor = System.currentTimeMillis() - lastHeartbeatWrittenMs.getAsLong();
        boolean stale = silentFor > lease.toMillis();
        if (stale && standing == null) {
            Set<String> topics = new HashSet<>();
            Set<String> groups = new HashSet<>();
            for (Wave w : waves.get()) {
                if (w.state() != WaveState.PROMOTED) {
                    topics.addAll(w.topics());
                    groups.addAll(w.groups());
                }
            }
            if (topics.isEmpty() && groups.isEmpty()) {
                return;
            }
            WriteFence fence = WriteFence.anyCluster(topics, groups, maxBytes);
            try {
                fences.raise(fence);
            } catch (IllegalStateException e) {
                return; // a switch's fence stands here and holds the same writes; look again at the next tick
            }
            standing = fence;
            LOG.warn("fleet: no heartbeat of this instance reached the state topic for {} ms (lease {} ms); holding the writes of "
                + "the waves that may switch ({} topics, {} groups) until one does", silentFor, lease.toMillis(), topics.size(), groups.size());
        } else if (!stale && standing != null) {
            fences.lower(standing);
            LOG.info("fleet: heartbeats reach the state topic again; released {} requests held while the lease had run out",
                standing.heldRequests());
            standing = null;
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (standing != null) {
            fences.lower(standing);
            standing = null;
        }
    }
}
