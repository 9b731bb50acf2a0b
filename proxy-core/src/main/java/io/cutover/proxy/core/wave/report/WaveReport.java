package io.cutover.proxy.core.wave.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A wave's cutover report: everything the proxy persisted about it (waves.json, the audit trail in its
 * transitions, the client inventory) and what its traffic history says around each switch. Built by
 * {@link WaveReports}; rendered by {@link WaveReportHtml} and {@link WaveReportJson}.
 */
public record WaveReport(Instant generatedAt, Definition definition, List<Wave.Transition> timeline, List<Gate> gates,
                         Rehearsal rehearsal, List<SwitchRecord> switches, List<MovedApplication> clientsMoved,
                         List<TrafficAround> traffic, PromoteDecision promote) {

    /** What the wave moves, as created. {@code clients} describes its selector ("every client" when it has none). */
    public record Definition(String name, WaveState state, List<String> topics, List<String> groups, String clients,
                             Instant createdAt) {
    }

    /** One gate as of the last check: PASS, PASS_WITH_WARNINGS or FAIL, with its evidence. */
    public record Gate(String gate, String title, String status, JsonNode evidence, List<String> warnings, String remedy) {
    }

    /** The last compatibility rehearsal; {@code done} false when the wave was never rehearsed. */
    public record Rehearsal(boolean done, Instant at, String capture, boolean passed, List<String> findings) {
        static final Rehearsal NONE = new Rehearsal(false, null, null, false, List.of());
    }

    /**
     * One switch or rollback: its outcome, the write pause and its steps in milliseconds (fence,
     * drain, sync, carry, flip, release, persist; preSync and preCarry before the fence), what the
     * fence held, and the groups carried.
     */
    public record SwitchRecord(String direction, Instant startedAt, String outcome, String reason, Double writePauseMs,
                               Map<String, Double> stepsMs, long heldRequests, long heldBytes, long heldConnections,
                               List<CarriedGroup> groups, String warning) {
    }

    /** A group's offsets as carried; {@code maxRedelivery} bounds what a member may read again. */
    public record CarriedGroup(String group, List<CarriedPartition> partitions, long translationSlack, long uncommittedAtSwitch,
                               long maxRedelivery) {
    }

    /** {@code carried} is -1 for a partition the destination lacks ({@code notOnDestination}). */
    public record CarriedPartition(String partition, long committed, long carried, long translationSlack, long uncommittedAtSwitch,
                                   boolean notOnDestination) {
    }

    /** An application whose clients the wave moves (kind and name from the inventory). */
    public record MovedApplication(String kind, String application, List<MovedClient> clients) {
    }

    public record MovedClient(String clientId, String address, String software, String cluster, Instant lastSeen) {
    }

    /**
     * Requests per second per cluster, averaged over the window before and after one switch.
     * {@code history} false when the proxy's history does not reach back to it (it restarted since):
     * then both maps are empty.
     */
    public record TrafficAround(String direction, Instant at, boolean history, Map<String, Double> requestsPerSecondBefore,
                                Map<String, Double> requestsPerSecondAfter) {
    }

    /** Whether and when the wave was promoted, and by whom; otherwise what still stands. */
    public record PromoteDecision(boolean promoted, Instant at, String who, String note) {
    }
}
