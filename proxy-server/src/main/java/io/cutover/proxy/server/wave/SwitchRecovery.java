package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.wave.SwitchJournalStore;
import io.cutover.proxy.core.wave.WaveStore;
import io.cutover.proxy.core.wave.SwitchJournal;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import io.cutover.proxy.server.config.ProxyConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, before any client is served, settles a switch or rollback that the last run left in
 * progress, so that a wave's state and the routes never disagree. The routes decide: they were
 * written in one atomic step at the flip, so either they point the wave at the destination (the
 * switch got past its flip: it is completed) or they do not (it is undone; the fence and held
 * requests died with the process, and clients resend to where the routes send them).
 */
public final class SwitchRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(SwitchRecovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Who the audit log and the wave's history name for what the proxy did on its own at start. */
    static final String WHO = "proxy (restart)";

    private SwitchRecovery() {
    }

    /** What the start found and did; empty when no switch was in progress. */
    public record Settled(String wave, String operation, String step, String outcome) {
    }

    public static Optional<Settled> reconcile(SwitchJournalStore journal, WaveStore store, Routes routes, AuditLog audit, Clock clock) {
        Optional<SwitchJournal> open = journal.inProgress();
        if (open.isEmpty()) {
            return Optional.empty();
        }
        SwitchJournal j = open.get();
        List<Wave> all = new ArrayList<>(store.load());
        Wave w = all.stream().filter(x -> x.name().equals(j.wave())).findFirst().orElse(null);
        if (w == null) {
            journal.finish(j, "undone-at-start", clock.instant());
            LOG.warn("the switch journal names wave {}, which waves.json does not hold; nothing to settle", j.wave());
            return Optional.of(new Settled(j.wave(), j.operation(), j.step().label(), "undone-at-start"));
        }
        String destination = j.forward() ? ProxyConfig.TARGET : ProxyConfig.SOURCE;
        WaveState done = j.forward() ? WaveState.SWITCHED : WaveState.ROLLED_BACK;
        boolean flipped = WaveRoutes.pointAt(routes.current(), w, destination);
        ObjectNode report = j.report() == null ? JSON.createObjectNode() : j.report().deepCopy();
        report.put("interruptedAt", j.step().label());
        Wave settled;
        String outcome;
        if (flipped) {
            outcome = "completed-at-start";
            report.put("outcome", "switched");
            report.put("completedAtStart", true);
            report.put("note", "the proxy stopped during the " + j.operation() + " after the routes were written; the " + j.operation()
                + " was completed at the next start (the write pause lasted until clients reconnected)");
            settled = w.state() == done ? w
                : w.to(done, clock.instant(), j.who(), j.operation() + " completed by the proxy at its next start: it had stopped after the flip")
                    .withSwitch(report, j.forward() ? j.targetEnds() : java.util.Map.of());
        } else {
            outcome = "undone-at-start";
            report.put("outcome", "aborted");
            String reason = "the proxy stopped during the " + j.operation() + " (at step " + j.step().label()
                + ") before the routes were written; undone at the next start, clients stay on the "
                + (j.forward() ? ProxyConfig.SOURCE : ProxyConfig.TARGET);
            report.put("reason", reason);
            settled = w.failed(j.operation() + " interrupted: " + reason, report);
        }
        if (settled != w) {
            all.replaceAll(x -> x.name().equals(w.name()) ? settled : x);
            try {
                store.save(settled, all);
            } catch (WaveStore.StaleWaveException e) {
                // In a fleet: another instance settled this switch first (from the same shared routes), or an
                // operator has moved the wave on since. Either way what is there stands; only the journal is closed.
                journal.finish(j, outcome, clock.instant());
                LOG.info("wave {}: the {} in progress when this instance stopped was settled elsewhere meanwhile ({})", w.name(),
                    j.operation(), e.getMessage());
                return Optional.of(new Settled(w.name(), j.operation(), j.step().label(), outcome));
            }
        }
        ObjectNode before = JSON.createObjectNode().put("wave", w.name()).put("state", w.state().name())
            .put("journalStep", j.step().label());
        ObjectNode after = JSON.createObjectNode().put("wave", w.name()).put("state", settled.state().name()).put("outcome", outcome);
        audit.record(WHO, j.operation() + "-" + outcome, before, after);
        journal.finish(j, outcome, clock.instant());
        LOG.warn("wave {}: the {} in progress when the proxy stopped (step {}) was {}", w.name(), j.operation(), j.step().label(),
            flipped ? "completed: the routes already pointed at the " + destination : "undone: the routes had not changed");
        return Optional.of(new Settled(w.name(), j.operation(), j.step().label(), outcome));
    }
}
