package io.cutover.proxy.core.wave;

import java.time.Instant;
import java.util.Optional;

/**
 * Where the switch in progress is recorded, step by step, before each step acts, so a start after a
 * crash can settle it: a file in the state directory alone, a record in the fleet's state topic in a
 * fleet (where another instance can settle it when the one that ran it does not come back).
 */
public interface SwitchJournalStore {
    /** The switch that was in progress when its proxy stopped, if one was. */
    Optional<SwitchJournal> inProgress();

    /**
     * Records {@code entry} as the step the switch is at; with {@code durable}, returns only once a
     * crash can no longer lose it.
     */
    void record(SwitchJournal entry, boolean durable);

    /** The switch ended ({@code outcome}: switched, aborted, completed-at-start, undone-at-start): nothing is in progress. */
    void finish(SwitchJournal entry, String outcome, Instant now);

    /** Where it is kept, for messages. */
    String where();
}
