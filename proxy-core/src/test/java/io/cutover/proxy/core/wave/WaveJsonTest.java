package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.state.CorruptStateException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WaveJsonTest {
    @Test
    void aWaveSurvivesTheStateFileWithItsHistory(@TempDir Path dir) {
        Instant t0 = Instant.parse("2026-11-28T10:00:00Z");
        Wave w = Wave.planned("orders", List.of("orders", "orders-dlq"), List.of("orders-app"), ClientSelector.of("orders-", "10.0.0.0/8"),
                t0, "alice")
            .to(WaveState.READY, t0.plusSeconds(5), "alice", "every gate passed")
            .withGates(new ObjectMapper().createArrayNode().add("g"))
            .to(WaveState.SWITCHED, t0.plusSeconds(9), "bob", "switched")
            .withSwitch(new ObjectMapper().createObjectNode().put("writePauseMs", 12.5), Map.of("orders-0", 42L));
        FileWaveStore store = new FileWaveStore(dir);
        store.save(List.of(w));
        Wave back = new FileWaveStore(dir).load().get(0);
        assertEquals(w.name(), back.name());
        assertEquals(w.topics(), back.topics());
        assertEquals(w.groups(), back.groups());
        assertEquals(w.clients(), back.clients());
        assertEquals(WaveState.SWITCHED, back.state());
        assertEquals(3, back.history().size());
        assertEquals("bob", back.history().get(2).who());
        assertEquals(42L, back.targetEndsAtSwitch().get("orders-0"));
        assertEquals(12.5, back.lastSwitch().get("writePauseMs").asDouble());
        assertEquals(1, back.switches().size());
    }

    @Test
    void aWaveKeepsItsLastTwentySwitchRecordsAndNoMore(@TempDir Path dir) {
        Wave w = Wave.planned("busy", List.of("orders"), List.of(), ClientSelector.ANY, Instant.parse("2026-11-28T10:00:00Z"), "alice");
        for (int i = 0; i < Wave.SWITCHES_KEPT + 5; i++) {
            var report = new ObjectMapper().createObjectNode().put("n", i).put("outcome", i % 3 == 0 ? "aborted" : "switched");
            w = i % 3 == 0 ? w.failed("aborted " + i, report) : w.withSwitch(report, Map.of());
        }
        new FileWaveStore(dir).save(List.of(w));
        Wave back = new FileWaveStore(dir).load().get(0);
        assertEquals(Wave.SWITCHES_KEPT, back.switches().size());
        assertEquals(5, back.switches().get(0).get("n").asInt(), "the oldest are forgotten first");
        assertEquals(Wave.SWITCHES_KEPT + 4, back.switches().get(Wave.SWITCHES_KEPT - 1).get("n").asInt());
    }

    @Test
    void aStateFileFromBeforeSwitchRecordsKnowsItsLastSwitch() {
        var n = WaveJson.toJson(Wave.planned("old", List.of("t"), List.of(), ClientSelector.ANY, Instant.parse("2026-11-28T10:00:00Z"), "a")
            .withSwitch(new ObjectMapper().createObjectNode().put("writePauseMs", 3.0), Map.of()));
        n.remove("switches");
        Wave back = WaveJson.fromJson(n);
        assertEquals(1, back.switches().size());
        assertEquals(3.0, back.switches().get(0).get("writePauseMs").asDouble());
    }

    @Test
    void aCorruptFileStopsTheStartNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(FileWaveStore.FILE_NAME), "{\"waves\":[{\"name\":");
        CorruptStateException e = assertThrows(CorruptStateException.class, () -> new FileWaveStore(dir).load());
        assertEquals(true, e.getMessage().contains("waves.json"));
    }

    @Test
    void namesAndTopicsAreValidated() {
        Instant now = Instant.now();
        assertThrows(IllegalArgumentException.class, () -> Wave.planned("bad name", List.of("t"), List.of(), null, now, "x"));
        assertThrows(IllegalArgumentException.class, () -> Wave.planned("w", List.of(), List.of(), null, now, "x"));
        assertEquals(0, new FileWaveStore(Path.of("/nonexistent-dir-for-test")).load().size());
    }
}
