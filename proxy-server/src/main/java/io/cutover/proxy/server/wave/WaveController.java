package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.history.TrafficHistory;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.WaveService;
import io.cutover.proxy.core.service.WaveSpec;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.core.wave.SwitchJournalStore;
import io.cutover.proxy.core.wave.WaveStore;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import io.cutover.proxy.core.wave.report.WaveReport;
import io.cutover.proxy.core.wave.report.WaveReports;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The waves' state machine: PLANNED -> READY (gates pass) -> SWITCHED -> PROMOTED, or SWITCHED ->
 * ROLLED_BACK; a failed switch stays READY with its reason. Every transition is written to
 * waves.json before it is answered, and audited. One operation at a time (the admin API serialises
 * them, and every operation holds this object's lock), so transitions never interleave.
 */
public final class WaveController implements WaveService {
    private static final Duration REPLICATION_SETTLE = Duration.ofSeconds(10);
    private static final Duration REPLICATION_RECHECK = Duration.ofMillis(250);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WAVE = "wave";

    private final Map<String, Wave> waves = new LinkedHashMap<>();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WaveController.class);
    private final WaveStore store;
    private final SwitchJournalStore journal;
    private final AuditLog audit;
    private final Clock clock;
    private final Routes routes;
    private final WaveGates gates;
    private final WaveSwitcher switcher;
    private final Timer writePause;
    private final MeterRegistry registry;
    private WaveRehearsal rehearsal;
    private String switchRefusal;
    private ClientInventory inventory;
    private TrafficHistory history;
    private final io.micrometer.core.instrument.MultiGauge states;

    private java.util.function.Consumer<Set<String>> topicsToFollow = t -> { };

    /**
     * Tells {@code follower}, now and after every change, the topics of the waves that may still
     * switch or roll back (all but promoted ones): what the MM2 offset-syncs reader keeps.
     */
    public synchronized void followTopics(java.util.function.Consumer<Set<String>> follower) {
        this.topicsToFollow = follower;
        follower.accept(liveTopics());
    }

    private Set<String> liveTopics() {
        Set<String> out = new java.util.TreeSet<>();
        waves.values().stream().filter(w -> w.state() != WaveState.PROMOTED).forEach(w -> out.addAll(w.topics()));
        return out;
    }

    /** What a report shows besides the wave itself: the clients it moves and the traffic around its switches. */
    public synchronized void reportsFrom(ClientInventory inventory, TrafficHistory history) {
        this.inventory = inventory;
        this.history = history;
    }

    /** Switches and rollbacks are refused with {@code reason} (a fleet, until switches are coordinated across it). */
    public synchronized void refuseSwitches(String reason) {
        this.switchRefusal = reason;
    }

    /** Enables POST /waves/{name}/rehearse. */
    public void rehearsals(WaveRehearsal rehearsal) {
        this.rehearsal = rehearsal;
    }

    public WaveController(WaveStore store, SwitchJournalStore journal, AuditLog audit, Clock clock, Routes routes, WaveGates gates,
                          WaveSwitcher switcher, MeterRegistry registry) {
        this.store = store;
        this.journal = journal;
        this.audit = audit;
        this.clock = clock;
        this.routes = routes;
        this.gates = gates;
        this.switcher = switcher;
        this.registry = registry;
        store.load().forEach(w -> waves.put(w.name(), w));
        this.writePause = Timer.builder("cutover.proxy.wave.write.pause")
            .description("Write pause of each wave switch and rollback: from raising the fence to releasing it")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
        io.micrometer.core.instrument.Gauge.builder("cutover.proxy.waves", waves, m -> m.size())
            .description("Waves known to the proxy").register(registry);
        this.states = io.micrometer.core.instrument.MultiGauge.builder("cutover.proxy.wave.state")
            .description("1 for each wave in its current state (labels wave, state)").register(registry);
        publishStates();
    }

    /**
     * Takes a wave another instance of the fleet saved, when {@code newer} says this copy is older
     * (checked under this lock, so an operation in progress here finishes on the copy it began with).
     */
    public synchronized void adopt(Wave w, java.util.function.BooleanSupplier newer) {
        if (!newer.getAsBoolean()) {
            return;
        }
        waves.put(w.name(), w);
        publishStates();
        topicsToFollow.accept(liveTopics());
    }

    public synchronized Wave wave(String name) {
        return waves.get(name);
    }

    @Override
    public synchronized List<Wave> list() {
        return List.copyOf(waves.values());
    }

    @Override
    public synchronized Outcome<Wave> get(String name) {
        Wave w = waves.get(name);
        return w == null ? notFound(name) : Outcome.accepted(w);
    }

    @Override
    public synchronized Outcome<Wave> create(WaveSpec spec, String who) {
        return stored(() -> doCreate(spec, who));
    }

    private Outcome<Wave> doCreate(WaveSpec spec, String who) {
        Wave w;
        try {
            w = Wave.planned(spec.name(), spec.topics(), spec.groups(), spec.clients(), clock.instant(), who);
        } catch (IllegalArgumentException | RouteTableException e) {
            return invalid(e.getMessage());
        }
        if (waves.containsKey(w.name())) {
            return Outcome.conflict("a wave named " + w.name() + " exists already");
        }
        for (Wave other : waves.values()) {
            if (other.state() == WaveState.PROMOTED) {
                continue;
            }
            Set<String> shared = new HashSet<>(other.topics());
            shared.retainAll(w.topics());
            Set<String> sharedGroups = new HashSet<>(other.groups());
            sharedGroups.retainAll(w.groups());
            if (!shared.isEmpty() || !sharedGroups.isEmpty()) {
                return Outcome.conflict("wave " + other.name() + " (" + other.state() + ") already moves "
                    + (shared.isEmpty() ? "" : "topics " + shared)
                    + (sharedGroups.isEmpty() ? "" : " groups " + sharedGroups) + "; a topic or group belongs to one wave");
            }
        }
        save(w, who, "create-wave", null);
        return Outcome.accepted(w);
    }

    @Override
    public synchronized Outcome<Wave> check(String name, String who) {
        return stored(() -> doCheck(name, who));
    }

    private Outcome<Wave> doCheck(String name, String who) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        List<GateResult> results;
        try {
            results = gates.check(w, routes.current());
        } catch (ClusterAdmins.ClusterCallException e) {
            return Outcome.unavailable("cannot check the gates: " + e.getMessage());
        }
        ArrayNode rows = rows(results);
        boolean pass = results.stream().allMatch(GateResult::passed);
        Wave next = w.withGates(rows);
        if (w.state() == WaveState.PLANNED || w.state() == WaveState.ROLLED_BACK || w.state() == WaveState.READY) {
            WaveState to = pass ? WaveState.READY : WaveState.PLANNED;
            if (to != w.state()) {
                next = next.to(to, clock.instant(), who, pass ? "every gate passed" : "failed: " + failedNames(results)).withGates(rows);
            }
            if (!pass) {
                next = next.failed("gates failed: " + failedNames(results), null);
            }
        }
        save(next, who, "check-wave", w);
        return Outcome.accepted(next);
    }

    /**
     * The gates right before a switch. A READY wave whose only failing gate is replication-caught-up
     * is usually between two of MirrorMaker 2's offset syncs (records copied, their sync not yet
     * written): look again for a few seconds rather than send the operator away.
     */
    private List<GateResult> gatesSettled(Wave w) throws InterruptedException {
        long deadline = System.nanoTime() + REPLICATION_SETTLE.toNanos();
        while (true) {
            List<GateResult> results = gates.check(w, routes.current());
            List<GateResult> failing = results.stream().filter(g -> !g.passed()).toList();
            boolean onlyReplication = failing.size() == 1 && failing.get(0).gate().equals("replication-caught-up");
            if (!onlyReplication || System.nanoTime() - deadline > 0) {
                return results;
            }
            Thread.sleep(REPLICATION_RECHECK.toMillis());
        }
    }

    @Override
    public synchronized Outcome<Wave> switchWave(String name, boolean force, String who) {
        return stored(() -> doSwitchWave(name, force, who));
    }

    private Outcome<Wave> doSwitchWave(String name, boolean force, String who) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        if (switchRefusal != null) {
            return Outcome.conflict("refused: " + switchRefusal, w);
        }
        boolean forcible = force && (w.state() == WaveState.PLANNED || w.state() == WaveState.ROLLED_BACK);
        if (w.state() != WaveState.READY && !forcible) {
            String hint = w.state() != WaveState.PLANNED && w.state() != WaveState.ROLLED_BACK ? ""
                : onlyFailing(w.gates(), WaveGates.CONSUMERS_WITHOUT_GROUP)
                ? "; its only failing gate is " + WaveGates.CONSUMERS_WITHOUT_GROUP + ": once those consumers are seen to, switch with force"
                : "; check the wave first";
            return Outcome.conflict("wave " + name + " is " + w.state() + "; only a READY wave switches" + hint, w);
        }
        // The gates are checked again, on live data, right before the fence.
        List<GateResult> results;
        try {
            results = gatesSettled(w);
        } catch (ClusterAdmins.ClusterCallException e) {
            return new Outcome.Unavailable<>("cannot check the gates: " + e.getMessage(), w);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome.Unavailable<>("interrupted while checking the gates", w);
        }
        ArrayNode rows = rows(results);
        Wave checked = w.withGates(rows);
        GateResult overridden = null;
        GateResult failing = null;
        for (GateResult g : results) {
            if (g.passed()) {
                continue;
            }
            if (force && g.gate().equals(WaveGates.CONSUMERS_WITHOUT_GROUP)) {
                overridden = g;
            } else if (failing == null) {
                failing = g;
            }
        }
        if (failing != null) {
            Wave back = checked.failed("gate " + failing.gate() + " failed", null);
            save(back, who, "switch-refused", w);
            String hint = !force && failing.gate().equals(WaveGates.CONSUMERS_WITHOUT_GROUP)
                ? "; once those consumers are seen to, switch with force (it passes over this gate alone)" : "";
            return new Outcome.Conflict<>("refused: gate " + failing.gate() + " failed: " + failing.evidence().path("problems") + hint, back,
                failing);
        }
        SwitchRecorder journal;
        try {
            journal = SwitchRecorder.begin(this.journal, clock, name, true, false, who);
        } catch (SwitchRecorder.JournalUnwritable e) {
            return new Outcome.Unavailable<>("switch refused, nothing moved: " + e.getMessage(), checked);
        }
        WaveSwitcher.Outcome o = switcher.forward(checked, journal);
        if (overridden != null) {
            // The report says which gate the operator passed over, and whom it named.
            o.report().putObject("forced").put("gate", overridden.gate()).set("problems", overridden.evidence().path("problems"));
        }
        record(o, "forward");
        if (!o.switched()) {
            Wave back = checked.failed("switch aborted: " + o.reason(), o.report());
            String unsaved = saveAborted(back, who, "switch-aborted", w);
            return Outcome.conflict("switch aborted, clients stay on the source: " + o.reason() + unsaved, back);
        }
        Wave switched = checked.to(WaveState.SWITCHED, clock.instant(), who, "switched in " + o.report().path("writePauseMs").asDouble() + " ms"
                + (overridden == null ? "" : ", forced past gate " + overridden.gate()))
            .withSwitch(o.report(), o.targetEnds());
        return afterFlip(switched, who, "switch-wave", w, journal, o);
    }

    @Override
    public synchronized Outcome<Wave> rollback(String name, boolean force, String who) {
        return stored(() -> doRollback(name, force, who));
    }

    private Outcome<Wave> doRollback(String name, boolean force, String who) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        if (w.state() == WaveState.PROMOTED) {
            return Outcome.conflict("wave " + name + " is PROMOTED: " + NO_RETURN, w);
        }
        if (w.state() != WaveState.SWITCHED) {
            return Outcome.conflict("wave " + name + " is " + w.state() + "; only a SWITCHED wave rolls back", w);
        }
        if (switchRefusal != null) {
            return Outcome.conflict("refused: " + switchRefusal, w);
        }
        SwitchRecorder journal;
        try {
            journal = SwitchRecorder.begin(this.journal, clock, name, false, force, who);
        } catch (SwitchRecorder.JournalUnwritable e) {
            return new Outcome.Unavailable<>("rollback refused, nothing moved: " + e.getMessage(), w);
        }
        WaveSwitcher.Outcome o = switcher.back(w, force, journal);
        record(o, "back");
        if (!o.switched()) {
            Wave stays = w.failed("rollback aborted: " + o.reason(), o.report());
            String unsaved = saveAborted(stays, who, "rollback-aborted", w);
            return Outcome.conflict("rollback aborted, clients stay on the target: " + o.reason() + unsaved, stays);
        }
        Wave back = w.to(WaveState.ROLLED_BACK, clock.instant(), who, force ? "rolled back with force" : "rolled back")
            .withSwitch(o.report(), Map.of());
        return afterFlip(back, who, "rollback-wave", w, journal, o);
    }

    @Override
    public synchronized Outcome<Wave> promote(String name, String who) {
        return stored(() -> doPromote(name, who));
    }

    private Outcome<Wave> doPromote(String name, String who) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        if (w.state() != WaveState.SWITCHED) {
            return Outcome.conflict("wave " + name + " is " + w.state() + "; only a SWITCHED wave is promoted", w);
        }
        Wave promoted = w.to(WaveState.PROMOTED, clock.instant(), who, "promoted: no return");
        save(promoted, who, "promote-wave", w);
        return Outcome.accepted(promoted);
    }

    @Override
    public synchronized Outcome<JsonNode> rehearse(String name, boolean produce, String capture, String who) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        if (rehearsal == null) {
            return Outcome.conflict("rehearsals need captures and a target cluster");
        }
        ObjectNode result;
        try {
            result = rehearsal.run(w, produce, capture);
        } catch (IllegalArgumentException e) {
            return invalid(e.getMessage());
        } catch (java.io.IOException e) {
            return Outcome.conflict("cannot rehearse: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.unavailable("interrupted");
        }
        Wave next = w.withRehearsal(result);
        save(next, who, "rehearse-wave", w);
        return Outcome.accepted(result);
    }

    @Override
    public synchronized Outcome<JsonNode> scorecard(String name) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        List<GateResult> results;
        try {
            results = gates.check(w, routes.current());
        } catch (ClusterAdmins.ClusterCallException e) {
            return Outcome.unavailable("cannot compute the scorecard: " + e.getMessage());
        }
        return Outcome.accepted(Scorecard.json(w, results));
    }

    @Override
    public synchronized Outcome<String> scorecardText(String name) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        try {
            return Outcome.accepted(Scorecard.text(w, gates.check(w, routes.current())));
        } catch (ClusterAdmins.ClusterCallException e) {
            return Outcome.unavailable("cannot compute the scorecard: " + e.getMessage());
        }
    }

    @Override
    public synchronized Outcome<WaveReport> report(String name) {
        Wave w = waves.get(name);
        if (w == null) {
            return notFound(name);
        }
        return Outcome.accepted(WaveReports.build(w, inventory == null ? List.of() : inventory.snapshot(), history, clock.instant()));
    }

    /**
     * Saves the wave once its routes are flipped. The routes already point at the destination, so
     * the wave follows them in memory even when waves.json cannot be written; the switch journal,
     * still open then, lets the next start complete the file.
     */
    private Outcome<Wave> afterFlip(Wave next, String who, String action, Wave before, SwitchRecorder journal,
                                      WaveSwitcher.Outcome o) {
        try {
            save(next, who, action, before);
        } catch (RuntimeException e) {
            waves.put(next.name(), next);
            publishStates();
            LOG.error("wave {}: {} went through, but its state could not be saved: {}", next.name(), action, e.toString());
            return new Outcome.Incomplete<>(action + " went through (the routes point at the " + (next.onTarget() ? "target" : "source")
                + "), but the wave's state could not be saved: " + e.getMessage()
                + ". The switch journal completes it at the next start; fix the state directory.", next);
        }
        journal.point("wave-saved");
        journal.finish("switched", o.report());
        return Outcome.accepted(next);
    }

    private void record(WaveSwitcher.Outcome o, String direction) {
        if (o.report().has("writePauseMs")) {
            writePause.record(Duration.ofNanos((long) (o.report().get("writePauseMs").asDouble() * 1_000_000)));
        }
        io.micrometer.core.instrument.Counter.builder("cutover.proxy.wave.switches")
            .description("Wave switches (direction forward) and rollbacks (back), by outcome")
            .tags("direction", direction, "outcome", o.switched() ? "switched" : "aborted").register(registry).increment();
    }

    /**
     * Saves a wave whose switch or rollback was aborted, nothing moved. The abort is the answer even
     * when the save fails (the disk that refused the journal refuses this file too): the wave keeps
     * its state on disk, and memory takes the failure. Returns a note for the answer, or "".
     */
    private String saveAborted(Wave next, String who, String action, Wave before) {
        try {
            save(next, who, action, before);
            return "";
        } catch (Routes.StoreUnavailableException e) {
            waves.put(next.name(), next);
            publishStates();
            LOG.warn("wave {}: {}, and its state could not be saved: {}", next.name(), action, e.getMessage());
            return " (the wave's state could not be saved: " + e.getMessage() + ")";
        }
    }

    private void save(Wave next, String who, String action, Wave before) {
        List<Wave> all = new ArrayList<>(waves.values());
        all.removeIf(x -> x.name().equals(next.name()));
        all.add(next);
        store.save(next, all);
        waves.put(next.name(), next);
        publishStates();
        topicsToFollow.accept(liveTopics());
        audit.record(who, action, before == null ? null : brief(before), brief(next));
    }

    private static ObjectNode brief(Wave w) {
        ObjectNode n = JSON.createObjectNode();
        n.put("wave", w.name());
        n.put("state", w.state().name());
        if (w.lastFailure() != null) {
            n.put("lastFailure", w.lastFailure());
        }
        if (w.lastSwitch() != null && w.lastSwitch().has("writePauseMs")) {
            n.put("writePauseMs", w.lastSwitch().get("writePauseMs").asDouble());
        }
        return n;
    }

    /** One row per wave, so a dashboard can show each wave's state; waves are few and named by operators. */
    private void publishStates() {
        List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows = new ArrayList<>();
        for (Wave w : waves.values()) {
            rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                io.micrometer.core.instrument.Tags.of("wave", w.name(), "state", w.state().name()), 1));
        }
        states.register(rows, true);
    }

    /** True when {@code gate} is the one failing gate among the rows of the last check. */
    private static boolean onlyFailing(com.fasterxml.jackson.databind.JsonNode rows, String gate) {
        if (rows == null) {
            return false;
        }
        List<String> failing = new java.util.ArrayList<>();
        rows.forEach(r -> {
            if ("FAIL".equals(r.path("status").asText())) {
                failing.add(r.path("gate").asText());
            }
        });
        return failing.equals(List.of(gate));
    }

    private static ArrayNode rows(List<GateResult> results) {
        ArrayNode rows = JSON.createArrayNode();
        results.forEach(g -> rows.add(g.toJson()));
        return rows;
    }

    private static String failedNames(List<GateResult> results) {
        return String.join(", ", results.stream().filter(g -> !g.passed()).map(GateResult::gate).toList());
    }

    /** An operation whose save the store refused: another instance got there first, or the fleet's state cannot be reached. */
    private static Outcome<Wave> stored(java.util.function.Supplier<Outcome<Wave>> operation) {
        try {
            return operation.get();
        } catch (WaveStore.StaleWaveException e) {
            return Outcome.conflict(e.getMessage());
        } catch (Routes.StoreUnavailableException e) {
            return Outcome.unavailable("the waves' store cannot be written, nothing changed: " + e.getMessage());
        }
    }

    private static <T> Outcome<T> notFound(String name) {
        return Outcome.notFound(WAVE, name);
    }

    /** The domain's checks name the field first ("topics: ...", "capture: ..."); that prefix tells which field is at fault. */
    private static <T> Outcome<T> invalid(String message) {
        int colon = message == null ? -1 : message.indexOf(':');
        String field = colon > 0 && message.substring(0, colon).matches("[A-Za-z]+") ? message.substring(0, colon) : null;
        return Outcome.invalid(field, message);
    }
}
