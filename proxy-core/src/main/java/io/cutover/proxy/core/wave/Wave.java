package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.routing.ClientSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A named set of topics and consumer groups, optionally narrowed to one application's clients, that
 * moves from source to target together. Immutable; every transition makes a new one.
 *
 * @param gates              the last readiness check: gate rows with their evidence (null before the first)
 * @param lastSwitch         the last switch or rollback: direction, write pause, held requests, groups carried
 * @param lastFailure        why the last switch, rollback or check did not go through (null when it did)
 * @param targetEndsAtSwitch the target's end offset per partition right after the switch ("topic-partition"),
 *                           to tell at rollback whether anything was written to the target since
 * @param history            every transition: when, who, from, to, why
 * @param rehearsal          the last compatibility rehearsal against the target (null before the first)
 * @param switches           the reports of its last {@value #SWITCHES_KEPT} switches and rollbacks, aborted ones included, oldest first
 */
public record Wave(String name, List<String> topics, List<String> groups, ClientSelector clients, WaveState state,
                   JsonNode gates, JsonNode lastSwitch, String lastFailure, Map<String, Long> targetEndsAtSwitch,
                   List<Transition> history, Instant createdAt, JsonNode rehearsal, List<JsonNode> switches) {

    /** Switch and rollback reports kept per wave, so waves.json stays bounded however often a wave goes back and forth. */
    public static final int SWITCHES_KEPT = 20;

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    /** One state change, for the audit trail shown with the wave. */
    public record Transition(Instant at, String who, WaveState from, WaveState to, String reason) {
    }

    public Wave {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: \"" + name + "\" is not a wave name; use 1-100 letters, digits, '.', '_' or '-'");
        }
        if (topics == null || topics.isEmpty()) {
            throw new IllegalArgumentException("topics: a wave moves at least one topic");
        }
        topics = List.copyOf(topics);
        groups = groups == null ? List.of() : List.copyOf(groups);
        clients = clients == null ? ClientSelector.ANY : clients;
        targetEndsAtSwitch = targetEndsAtSwitch == null ? Map.of() : Map.copyOf(targetEndsAtSwitch);
        history = history == null ? List.of() : List.copyOf(history);
        switches = switches == null ? List.of()
            : List.copyOf(switches.subList(Math.max(0, switches.size() - SWITCHES_KEPT), switches.size()));
        for (String t : topics) {
            if (t == null || t.isEmpty()) {
                throw new IllegalArgumentException("topics: names must not be empty");
            }
        }
        for (String g : groups) {
            if (g == null || g.isEmpty()) {
                throw new IllegalArgumentException("groups: names must not be empty");
            }
        }
    }

    public static Wave planned(String name, List<String> topics, List<String> groups, ClientSelector clients, Instant now, String who) {
        return new Wave(name, topics, groups, clients, WaveState.PLANNED, null, null, null, Map.of(),
            List.of(new Transition(now, who, null, WaveState.PLANNED, "created")), now, null, List.of());
    }

    /** This wave in {@code next} state, with the transition recorded. */
    public Wave to(WaveState next, Instant now, String who, String reason) {
        List<Transition> h = new ArrayList<>(history);
        h.add(new Transition(now, who, state, next, reason));
        return new Wave(name, topics, groups, clients, next, gates, lastSwitch, null, targetEndsAtSwitch, h, createdAt, rehearsal,
            switches);
    }

    public Wave withGates(JsonNode newGates) {
        return new Wave(name, topics, groups, clients, state, newGates, lastSwitch, lastFailure, targetEndsAtSwitch, history, createdAt,
            rehearsal, switches);
    }

    public Wave withSwitch(JsonNode report, Map<String, Long> targetEnds) {
        return new Wave(name, topics, groups, clients, state, gates, report, lastFailure, targetEnds, history, createdAt, rehearsal,
            recorded(report));
    }

    public Wave failed(String reason, JsonNode report) {
        return new Wave(name, topics, groups, clients, state, gates, report == null ? lastSwitch : report, reason, targetEndsAtSwitch,
            history, createdAt, rehearsal, report == null ? switches : recorded(report));
    }

    public Wave withRehearsal(JsonNode result) {
        return new Wave(name, topics, groups, clients, state, gates, lastSwitch, lastFailure, targetEndsAtSwitch, history, createdAt,
            result, switches);
    }

    private List<JsonNode> recorded(JsonNode report) {
        List<JsonNode> all = new ArrayList<>(switches);
        all.add(report);
        return all;
    }

    /** True while the wave's routes point at the target. */
    public boolean onTarget() {
        return state == WaveState.SWITCHED || state == WaveState.PROMOTED;
    }
}
