package io.cutover.proxy.core.wave.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.history.HistorySample;
import io.cutover.proxy.core.history.TrafficHistory;
import io.cutover.proxy.core.inventory.Applications;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveClients;
import io.cutover.proxy.core.wave.WaveState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a wave's {@link WaveReport} from what the proxy keeps: the wave as waves.json holds it, the
 * client inventory and the traffic history. Reads only; invents nothing: a section with no data says so.
 */
public final class WaveReports {
    /** Traffic is averaged over this long before each switch and after it. */
    public static final Duration TRAFFIC_WINDOW = Duration.ofSeconds(60);
    /** The switch report's timings, in the order they happen. */
    static final List<String> STEPS = List.of("preSyncMs", "preCarryMs", "fenceMs", "drainMs", "syncMs", "carryMs", "flipMs", "releaseMs",
        "persistMs");

    private WaveReports() {
    }

    public static WaveReport build(Wave wave, List<ClientRecord.Snapshot> clients, TrafficHistory history, Instant now) {
        List<WaveReport.SwitchRecord> switches = new ArrayList<>();
        wave.switches().forEach(s -> switches.add(switchRecord(s)));
        return new WaveReport(now, definition(wave), wave.history(), gates(wave.gates()), rehearsal(wave.rehearsal()), switches,
            moved(wave, clients), traffic(switches, history), promote(wave));
    }

    private static WaveReport.Definition definition(Wave w) {
        String clients = w.clients().isAny() ? "every client"
            : String.join(", ", java.util.stream.Stream.of(
                w.clients().clientIdPrefix() == null ? null : "client.id prefix " + w.clients().clientIdPrefix(),
                w.clients().address() == null ? null : "address " + w.clients().address().text())
                .filter(java.util.Objects::nonNull).toList());
        return new WaveReport.Definition(w.name(), w.state(), w.topics(), w.groups(), clients, w.createdAt());
    }

    private static List<WaveReport.Gate> gates(JsonNode rows) {
        List<WaveReport.Gate> out = new ArrayList<>();
        if (rows == null) {
            return out;
        }
        for (JsonNode g : rows) {
            out.add(new WaveReport.Gate(g.path("gate").asText(), g.path("title").asText(), g.path("status").asText(), g.get("evidence"),
                texts(g.path("warnings")), g.hasNonNull("remedy") ? g.get("remedy").asText() : null));
        }
        return out;
    }

    private static WaveReport.Rehearsal rehearsal(JsonNode r) {
        if (r == null || r.isNull()) {
            return WaveReport.Rehearsal.NONE;
        }
        return new WaveReport.Rehearsal(true, instant(r.path("at")), r.path("capture").asText(null), r.path("passed").asBoolean(),
            texts(r.path("findings")));
    }

    static WaveReport.SwitchRecord switchRecord(JsonNode s) {
        Map<String, Double> steps = new LinkedHashMap<>();
        for (String step : STEPS) {
            if (s.has(step)) {
                steps.put(step.substring(0, step.length() - 2), s.get(step).asDouble());
            }
        }
        List<WaveReport.CarriedGroup> groups = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = s.path("groups").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> g = it.next();
            List<WaveReport.CarriedPartition> partitions = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> p = g.getValue().path("partitions").fields(); p.hasNext(); ) {
                Map.Entry<String, JsonNode> e = p.next();
                JsonNode v = e.getValue();
                partitions.add(new WaveReport.CarriedPartition(e.getKey(), v.path("committed").asLong(), v.path("carried").asLong(-1),
                    v.path("translationSlack").asLong(), v.path("uncommittedAtSwitch").asLong(), v.path("notOnDestination").asBoolean()));
            }
            JsonNode v = g.getValue();
            groups.add(new WaveReport.CarriedGroup(g.getKey(), partitions, v.path("translationSlack").asLong(),
                v.path("uncommittedAtSwitch").asLong(), v.path("maxRedelivery").asLong()));
        }
        return new WaveReport.SwitchRecord(s.path("direction").asText(), instant(s.path("startedAt")), s.path("outcome").asText(null),
            s.hasNonNull("reason") ? s.get("reason").asText() : null, s.has("writePauseMs") ? s.get("writePauseMs").asDouble() : null,
            steps, s.path("heldRequests").asLong(), s.path("heldBytes").asLong(), s.path("heldConnections").asLong(), groups,
            s.hasNonNull("warning") ? s.get("warning").asText() : null);
    }

    /** The clients the wave moves, by the application the inventory puts them in. */
    private static List<WaveReport.MovedApplication> moved(Wave wave, List<ClientRecord.Snapshot> clients) {
        Applications apps = Applications.of(clients);
        Map<String, List<WaveReport.MovedClient>> byApp = new TreeMap<>();
        Map<String, Applications.Membership> memberships = new LinkedHashMap<>();
        for (ClientRecord.Snapshot c : clients) {
            if (!WaveClients.moves(wave, c)) {
                continue;
            }
            Applications.Membership m = apps.of(c);
            String key = m.kind().label() + ":" + m.name();
            memberships.put(key, m);
            String software = ((c.softwareName() == null ? "" : c.softwareName()) + " "
                + (c.softwareVersion() == null ? "" : c.softwareVersion())).trim();
            byApp.computeIfAbsent(key, k -> new ArrayList<>())
                .add(new WaveReport.MovedClient(c.clientId(), c.address(), software, c.cluster(), c.lastSeen()));
        }
        List<WaveReport.MovedApplication> out = new ArrayList<>();
        byApp.forEach((key, list) -> out.add(new WaveReport.MovedApplication(memberships.get(key).kind().label(),
            memberships.get(key).name(), list)));
        return out;
    }

    /**
     * Requests per second per cluster around each switch that went through: each "before" starts no
     * earlier than the previous switch ended, each "after" ends no later than the next one starts, so
     * a rollback soon after a switch is not averaged with the traffic from before that switch.
     */
    private static List<WaveReport.TrafficAround> traffic(List<WaveReport.SwitchRecord> switches, TrafficHistory history) {
        List<WaveReport.TrafficAround> out = new ArrayList<>();
        List<WaveReport.SwitchRecord> done = switches.stream().filter(s -> "switched".equals(s.outcome()) && s.startedAt() != null).toList();
        List<HistorySample> samples = history == null ? List.of() : history.samples();
        Instant previousEnd = Instant.MIN;
        for (int i = 0; i < done.size(); i++) {
            WaveReport.SwitchRecord s = done.get(i);
            Instant start = s.startedAt();
            Instant end = start.plusNanos((long) (s.stepsMs().values().stream().mapToDouble(Double::doubleValue).sum() * 1_000_000));
            Instant beforeStart = start.minus(TRAFFIC_WINDOW).isBefore(previousEnd) ? previousEnd : start.minus(TRAFFIC_WINDOW);
            previousEnd = end;
            Instant afterEnd = end.plus(TRAFFIC_WINDOW);
            if (i + 1 < done.size() && done.get(i + 1).startedAt().isBefore(afterEnd)) {
                afterEnd = done.get(i + 1).startedAt();
            }
            // No sample before it: the proxy restarted since, or the switch is older than the history kept.
            Map<String, Double> before = mean(samples, beforeStart, start);
            boolean covered = history != null && !history.startedAt().isAfter(start) && !before.isEmpty();
            out.add(covered ? new WaveReport.TrafficAround(s.direction(), start, true, before, mean(samples, end, afterEnd))
                : new WaveReport.TrafficAround(s.direction(), start, false, Map.of(), Map.of()));
        }
        return out;
    }

    /** The mean requests per second per cluster over the samples in [from, to). */
    private static Map<String, Double> mean(List<HistorySample> samples, Instant from, Instant to) {
        Map<String, Double> sum = new TreeMap<>();
        int n = 0;
        for (HistorySample s : samples) {
            if (s.at().isBefore(from) || !s.at().isBefore(to)) {
                continue;
            }
            n++;
            s.requestsPerSecond().forEach((k, v) -> sum.merge(k, v, Double::sum));
        }
        int count = n;
        sum.replaceAll((k, v) -> v / count);
        return sum;
    }

    private static WaveReport.PromoteDecision promote(Wave w) {
        for (Wave.Transition t : w.history()) {
            if (t.to() == WaveState.PROMOTED) {
                return new WaveReport.PromoteDecision(true, t.at(), t.who(), t.reason());
            }
        }
        String note = switch (w.state()) {
            case SWITCHED -> "Not promoted: the wave is on the target and rollback is still available. "
                + io.cutover.proxy.core.service.WaveService.NO_RETURN;
            case ROLLED_BACK -> "Not promoted: the wave was rolled back to the source.";
            default -> "Not promoted: the wave has not been switched.";
        };
        return new WaveReport.PromoteDecision(false, null, null, note);
    }

    private static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.isTextual() ? x.asText() : x.toString()));
        return out;
    }

    private static Instant instant(JsonNode n) {
        return n == null || !n.isTextual() ? null : Instant.parse(n.asText());
    }
}
