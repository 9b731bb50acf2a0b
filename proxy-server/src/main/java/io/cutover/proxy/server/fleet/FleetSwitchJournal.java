package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.wave.FileSwitchJournal;
import io.cutover.proxy.core.wave.SwitchJournal;
import io.cutover.proxy.core.wave.SwitchJournalStore;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One instance's switch journal in the fleet's state topic ({@code switch-journal/<instance-id>}):
 * the switch it is running, step by step, then how the last one ended. In the topic rather than in
 * the instance's directory so that when the instance does not come back, another one can read where
 * its switch stood and settle the wave (see {@code OrphanedSwitches}).
 *
 * <p>Steps a restart decides on (the intent, the flip) are acknowledged by the state cluster before
 * the step acts; the others are sent without waiting, in order behind them.
 */
public final class FleetSwitchJournal implements SwitchJournalStore {
    public static final String PREFIX = "switch-journal/";

    private final FleetState state;
    private final String instance;
    private final Duration timeout;

    public FleetSwitchJournal(FleetState state, String instance, Duration timeout) {
        this.state = state;
        this.instance = instance;
        this.timeout = timeout;
    }

    @Override
    public Optional<SwitchJournal> inProgress() {
        StateEntry e = state.entry(PREFIX + instance);
        JsonNode n = e == null ? null : e.body().get("inProgress");
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(FileSwitchJournal.fromJson(n));
    }

    @Override
    public void record(SwitchJournal entry, boolean durable) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("inProgress", FileSwitchJournal.toJson(entry));
        write(body, durable);
    }

    @Override
    public void finish(SwitchJournal entry, String outcome, Instant now) {
        ObjectNode last = FileSwitchJournal.toJson(entry);
        last.put("outcome", outcome);
        last.put("endedAt", now.toString());
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.set("last", last);
        write(body, true);
    }

    private void write(ObjectNode body, boolean durable) {
        try {
            if (durable) {
                state.putAndWait(PREFIX + instance, body, timeout);
            } else {
                state.put(PREFIX + instance, body);
            }
        } catch (StateUnavailableException e) {
            throw new UncheckedIOException(new java.io.IOException(e.getMessage(), e));
        }
    }

    /**
     * Instances other than this one whose journal shows a switch in progress while their heartbeats
     * have stopped (three intervals): switches nobody will finish unless another instance settles them.
     */
    public static java.util.Set<String> orphans(FleetState state, Duration heartbeatInterval, long nowMillis) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        java.util.Map<String, StateEntry> members = state.entries(FleetMembership.PREFIX);
        state.entries(PREFIX).forEach((entity, e) -> {
            String instance = entity.substring(PREFIX.length());
            JsonNode open = e.body().get("inProgress");
            if (instance.equals(state.instanceId()) || open == null || open.isNull()) {
                return;
            }
            StateEntry beat = members.get(FleetMembership.PREFIX + instance);
            if (beat == null || nowMillis - beat.version() > heartbeatInterval.toMillis() * FleetMembership.MISSED_BEATS) {
                out.add(instance);
            }
        });
        return out;
    }

    @Override
    public String where() {
        return "the fleet's state topic (" + PREFIX + instance + ")";
    }
}
