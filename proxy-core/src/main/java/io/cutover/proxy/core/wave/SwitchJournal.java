package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * One switch or rollback in progress, as the switch journal holds it: which wave, which way, who
 * asked, the step reached, and what the switch learnt so far (its report, and the target's end
 * offsets once synced) so that a switch found past its flip after a crash can be completed without
 * asking the clusters again. Immutable; each step makes a new one.
 *
 * @param forward    true for source to target, false for a rollback
 * @param force      a rollback with {@code force}
 * @param stepsAt    when each step reached so far was recorded, by step label
 * @param report     the switch report as far as it got
 * @param targetEnds the target's end offset per partition ("topic-partition") at the sync, empty before it
 */
public record SwitchJournal(String wave, boolean forward, boolean force, String who, SwitchStep step, Instant startedAt,
                            Map<String, Instant> stepsAt, ObjectNode report, Map<String, Long> targetEnds) {

    public SwitchJournal {
        stepsAt = Map.copyOf(stepsAt);
        targetEnds = targetEnds == null ? Map.of() : Map.copyOf(targetEnds);
        report = report == null ? null : report.deepCopy();
    }

    public static SwitchJournal intent(String wave, boolean forward, boolean force, String who, Instant now) {
        return new SwitchJournal(wave, forward, force, who, SwitchStep.INTENT, now, Map.of(SwitchStep.INTENT.label(), now), null, Map.of());
    }

    /** This switch at {@code next}, with what it knows by then. */
    public SwitchJournal at(SwitchStep next, Instant now, ObjectNode reportSoFar, Map<String, Long> ends) {
        if (next.ordinal() < step.ordinal()) {
            throw new IllegalArgumentException("a switch never goes back from " + step + " to " + next);
        }
        java.util.Map<String, Instant> at = new java.util.LinkedHashMap<>(stepsAt);
        at.put(next.label(), now);
        return new SwitchJournal(wave, forward, force, who, next, startedAt, at, reportSoFar == null ? report : reportSoFar,
            ends == null || ends.isEmpty() ? targetEnds : ends);
    }

    /** "switch" or "rollback", as operators and failpoints name it. */
    public String operation() {
        return forward ? "switch" : "rollback";
    }

    /** True once the routes may have been changed: a crash from here on completes the switch if they were. */
    public boolean mayHaveFlipped() {
        return step.ordinal() >= SwitchStep.FLIPPED.ordinal();
    }
}
