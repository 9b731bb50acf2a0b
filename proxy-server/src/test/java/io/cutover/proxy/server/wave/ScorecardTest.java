package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.wave.GateResult;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The scorecard's headline follows the wave's state: "ready to switch" is news only before a switch. */
class ScorecardTest {
    private static final List<GateResult> PASSING = List.of(
        new GateResult("topics-on-target", "topics", true, JsonNodeFactory.instance.objectNode(), List.of(), ""));

    @Test
    void aSwitchedWaveIsNotReadyToSwitch() {
        Wave planned = Wave.planned("w", List.of("t"), List.of(), ClientSelector.ANY, Instant.EPOCH, "test");
        Wave ready = planned.to(WaveState.READY, Instant.EPOCH, "test", "gates passed");
        Wave switched = ready.to(WaveState.SWITCHED, Instant.EPOCH, "test", "switched");
        Wave promoted = switched.to(WaveState.PROMOTED, Instant.EPOCH, "test", "promoted");

        assertTrue(Scorecard.text(ready, PASSING).startsWith("wave w  state READY  READY TO SWITCH\n"));
        String afterSwitch = Scorecard.text(switched, PASSING);
        assertTrue(afterSwitch.startsWith("wave w  state SWITCHED  SWITCHED"), afterSwitch);
        assertFalse(afterSwitch.contains("READY TO SWITCH"), afterSwitch);
        assertFalse(Scorecard.text(promoted, PASSING).contains("READY TO SWITCH"));
        assertEquals(Scorecard.headline(WaveState.SWITCHED, true), Scorecard.json(switched, PASSING).get("headline").asText());
        assertEquals("NOT READY", Scorecard.headline(WaveState.ROLLED_BACK, false));
    }
}
