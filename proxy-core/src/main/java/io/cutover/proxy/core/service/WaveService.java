package io.cutover.proxy.core.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.report.WaveReport;
import java.util.List;

/**
 * The waves' life cycle: create, check the gates, switch, roll back, promote, rehearse, score.
 * Every change is audited under {@code who}. A refusal that leaves the wave in a telling state
 * (a failed gate recorded, a switch aborted) carries the wave as it stands; a switch refused by a
 * gate carries that gate's {@link io.cutover.proxy.core.wave.GateResult} as evidence.
 */
public interface WaveService {
    /** Why a promoted wave is not rolled back; shown with every switched wave as the warning before promote. */
    String NO_RETURN = "Promote is the point of no return: after it the wave cannot be rolled back through the proxy.";

    List<Wave> list();

    Outcome<Wave> get(String name);

    Outcome<Wave> create(WaveSpec spec, String who);

    Outcome<Wave> check(String name, String who);

    /**
     * Switches a READY wave. {@code force} passes over one gate only, consumers-without-group (the
     * operator has seen to consumers that keep their offsets outside Kafka); with it a PLANNED wave
     * whose only failing gate is that one switches too.
     */
    Outcome<Wave> switchWave(String name, boolean force, String who);

    Outcome<Wave> rollback(String name, boolean force, String who);

    Outcome<Wave> promote(String name, String who);

    /** Replays recently captured traffic of the wave's clients against the target (and the source, to compare); yields the report. */
    Outcome<JsonNode> rehearse(String name, boolean produce, String capture, String who);

    /** How ready the wave is, gate by gate, as a report. */
    Outcome<JsonNode> scorecard(String name);

    /** The scorecard as a plain-text table, for terminals. */
    Outcome<String> scorecardText(String name);

    /** The wave's cutover report: what the proxy persisted about it, its clients and its traffic around each switch. */
    Outcome<WaveReport> report(String name);
}
