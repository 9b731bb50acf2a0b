package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.core.wave.SwitchJournalStore;
import io.cutover.proxy.core.wave.SwitchJournal;
import io.cutover.proxy.core.wave.SwitchStep;
import java.time.Clock;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one switch's steps to the switch journal before each acts, and counts the time that takes
 * (it is part of the write pause). A step that cannot be written stops the switch: going on without
 * a record would leave a crash there impossible to reconcile.
 */
final class SwitchRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchRecorder.class);

    /** The journal could not be written; the switch must not go on. */
    static final class JournalUnwritable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JournalUnwritable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final SwitchJournalStore journal;
    private final Clock clock;
    private SwitchJournal entry;
    private long persistNanos;

    private SwitchRecorder(SwitchJournalStore journal, Clock clock, SwitchJournal entry) {
        this.journal = journal;
        this.clock = clock;
        this.entry = entry;
    }

    /** Records the intent of a switch (forward) or rollback; throws {@link JournalUnwritable} when it cannot. */
    static SwitchRecorder begin(SwitchJournalStore journal, Clock clock, String wave, boolean forward, boolean force, String who) {
        SwitchRecorder r = new SwitchRecorder(journal, clock, SwitchJournal.intent(wave, forward, force, who, clock.instant()));
        r.write(true);
        Failpoints.reached(r.entry.operation() + "." + SwitchStep.INTENT.label());
        return r;
    }

    /**
     * Records that {@code step} is about to act, with what the switch knows by now. Only the flip is
     * forced to disk (with the target's ends a completed switch needs): a restart decides from the
     * routes and that record, and the other steps, which only say how far the switch got, must not
     * add an fsync each to the write pause. A killed process leaves them behind all the same.
     */
    void step(SwitchStep step, ObjectNode reportSoFar, Map<String, Long> targetEnds) {
        entry = entry.at(step, clock.instant(), reportSoFar, targetEnds);
        write(step == SwitchStep.FLIPPED);
        Failpoints.reached(entry.operation() + "." + step.label());
    }

    /** A crash point between steps that writes nothing (after the routes are written, after the wave is saved). */
    void point(String name) {
        Failpoints.reached(entry.operation() + "." + name);
    }

    /** Time spent writing the journal since the switch began, in nanoseconds. */
    long persistNanos() {
        return persistNanos;
    }

    /**
     * The switch ended. A failure to record that is only logged: the journal then still shows the
     * switch in progress, and the next start reconciles it to the same end from the routes.
     */
    void finish(String outcome, ObjectNode report) {
        try {
            journal.finish(entry.at(entry.step(), clock.instant(), report, null), outcome, clock.instant());
        } catch (RuntimeException e) {
            LOG.warn("wave {}: {} ended ({}), but {} could not be updated ({}); the next start reconciles it", entry.wave(),
                entry.operation(), outcome, journal.where(), e.toString());
        }
    }

    private void write(boolean durable) {
        long t0 = System.nanoTime();
        try {
            journal.record(entry, durable);
        } catch (RuntimeException e) {
            throw new JournalUnwritable("cannot write the switch journal " + journal.where() + ": " + e.getMessage(), e);
        } finally {
            persistNanos += System.nanoTime() - t0;
        }
    }
}
