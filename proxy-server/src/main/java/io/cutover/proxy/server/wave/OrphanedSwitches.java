package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.wave.SwitchJournalStore;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveStore;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.server.concurrent.DaemonScheduler;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In a fleet, settles the switch of an instance that died during it and did not come back: the
 * routes in the shared topic say whether it had flipped, and the wave is completed or undone to
 * match, exactly as that instance's own next start would have done. Without this, the wave and the
 * routes would disagree across the fleet for as long as that instance stays down.
 *
 * <p>Every live instance looks; two that settle the same switch at once are kept apart by the wave's
 * compare-and-set, and the second finds nothing left to do.
 */
public final class OrphanedSwitches implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanedSwitches.class);

    private final Supplier<Set<String>> orphans;
    private final Function<String, SwitchJournalStore> journalOf;
    private final WaveStore store;
    private final Routes routes;
    private final AuditLog audit;
    private final Clock clock;
    private final BoardPeerFences fences;
    private final Function<String, Wave> waves;
    private final Duration interval;
    private final ScheduledExecutorService timer = DaemonScheduler.named("fleet-orphaned-switches");
    /** The last failure logged per instance, so a lasting one is logged once, not every round. */
    private final java.util.Map<String, String> lastFailure = new java.util.concurrent.ConcurrentHashMap<>();

    public OrphanedSwitches(Supplier<Set<String>> orphans, Function<String, SwitchJournalStore> journalOf, WaveStore store,
                            Routes routes, AuditLog audit, Clock clock, BoardPeerFences fences, Function<String, Wave> waves,
                            Duration interval) {
        this.orphans = orphans;
        this.journalOf = journalOf;
        this.store = store;
        this.routes = routes;
        this.audit = audit;
        this.clock = clock;
        this.fences = fences;
        this.waves = waves;
        this.interval = interval;
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::settleAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void settleAll() {
        Set<String> stopped;
        try {
            stopped = orphans.get();
        } catch (RuntimeException e) {
            // A timer task that throws is never run again: log, and look next round.
            LOG.warn("fleet: cannot look for switches left by stopped instances: {}", e.toString());
            return;
        }
        for (String instance : stopped) {
            try {
                SwitchRecovery.reconcile(journalOf.apply(instance), store, routes, audit, clock).ifPresent(s ->
                    LOG.warn("fleet: instance {} stopped during its {} of wave {} (step {}) and has not come back; settled here: {}",
                        instance, s.operation(), s.wave(), s.step(), s.outcome()));
                fences.settleLeftoverOf(instance, waves, routes.current());
            } catch (RuntimeException e) {
                // The state cluster is away, or the switch's record does not parse: look again next round.
                if (!e.toString().equals(lastFailure.put(instance, e.toString()))) {
                    LOG.warn("fleet: cannot settle the switch instance {} left in progress yet: {}", instance, e.toString(), e);
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
