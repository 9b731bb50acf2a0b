package io.cutover.proxy.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficHistoryTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static HistorySample at(int second) {
        return new HistorySample(T0.plusSeconds(second), Map.of("source", (double) second), Map.of(), Map.of(), Map.of(), Map.of());
    }

    @Test
    void aFullRingForgetsItsOldestSampleForEachNewOne() {
        TrafficHistory h = new TrafficHistory(720, Duration.ofSeconds(5), T0);
        for (int i = 0; i < 2000; i++) {
            h.append(at(i));
        }
        List<HistorySample> kept = h.samples();
        assertEquals(720, kept.size());
        assertEquals(T0.plusSeconds(2000 - 720), kept.get(0).at(), "oldest kept first");
        assertEquals(T0.plusSeconds(1999), kept.get(719).at());
    }

    @Test
    void beforeItFillsItHoldsWhatWasAppendedInOrder() {
        TrafficHistory h = new TrafficHistory(4, Duration.ofSeconds(5), T0);
        h.append(at(1));
        h.append(at(2));
        assertEquals(List.of(at(1), at(2)), h.samples());
        assertEquals(List.of(at(2)), h.between(T0.plusSeconds(2), T0.plusSeconds(3)));
    }

    @Test
    void aRingHoldsAtLeastOneSample() {
        assertThrows(IllegalArgumentException.class, () -> new TrafficHistory(0, Duration.ofSeconds(5), T0));
    }

    @Test
    void seriesPastTheirCapFoldIntoOther() {
        SeriesKeys keys = new SeriesKeys(2);
        Map<String, Double> first = new LinkedHashMap<>();
        first.put("a", 1.0);
        first.put("b", 2.0);
        assertEquals(Map.of("a", 1.0, "b", 2.0), keys.fold(first));
        Map<String, Double> later = new LinkedHashMap<>();
        later.put("c", 3.0);
        later.put("a", 4.0);
        later.put("d", 5.0);
        assertEquals(Map.of("a", 4.0, SeriesKeys.OTHER, 8.0), keys.fold(later), "c and d came after the cap");
    }

    @Test
    void theJsonCarriesTheBoundsAndEverySampleOldestFirst() {
        TrafficHistory h = new TrafficHistory(3, Duration.ofMillis(200), T0);
        for (int i = 0; i < 5; i++) {
            h.append(at(i));
        }
        var json = HistoryJson.toJson(h);
        assertEquals(200, json.get("intervalMs").asLong());
        assertEquals(3, json.get("capacity").asInt());
        assertEquals(3, json.get("samples").size());
        assertEquals(2.0, json.get("samples").get(0).get("requestsPerSecond").get("source").asDouble());
    }
}
