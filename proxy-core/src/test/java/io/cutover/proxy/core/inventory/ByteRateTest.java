package io.cutover.proxy.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Peak window averages, with the clock given, as a broker measures a quota. */
class ByteRateTest {
    private static final long T0 = 1_000 * ByteRate.WINDOW_MS; // a window boundary

    @Test
    void theWindowBeingFilledCountsAsAWholeWindow() {
        ByteRate r = new ByteRate(T0);
        r.add(50_000, T0 + 100);
        r.add(50_000, T0 + 200);
        assertEquals(10_000, r.peakBytesPerSecond(T0 + 300), "100,000 bytes over a 10 s window");
    }

    @Test
    void thePeakWindowIsKeptAfterQuieterOnes() {
        ByteRate r = new ByteRate(T0);
        r.add(200_000, T0 + 1);
        r.add(10_000, T0 + ByteRate.WINDOW_MS + 1);
        r.add(10_000, T0 + 5 * ByteRate.WINDOW_MS + 1);
        assertEquals(20_000, r.peakBytesPerSecond(T0 + 6 * ByteRate.WINDOW_MS));
    }

    @Test
    void aPeakOlderThanTheLastFullHourIsForgotten() {
        long hour = 3_600_000;
        ByteRate r = new ByteRate(T0);
        r.add(200_000, T0 + 1);
        assertEquals(20_000, r.peakBytesPerSecond(T0 + hour + 1), "kept through the next hour");
        r.add(10_000, T0 + hour + 2);
        assertEquals(20_000, r.peakBytesPerSecond(T0 + hour + ByteRate.WINDOW_MS));
        assertEquals(1_000, r.peakBytesPerSecond(T0 + 2 * hour + 1), "two hours on, only the last hour's peak remains");
        assertEquals(0, r.peakBytesPerSecond(T0 + 3 * hour + 1));
    }
}
