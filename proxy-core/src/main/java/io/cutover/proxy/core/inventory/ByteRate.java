package io.cutover.proxy.core.inventory;

import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes per second through the proxy, measured as a broker measures a quota: averaged over a window
 * of {@value #WINDOW_MS} ms (a broker's default quota window is 11 samples of 1 s). Keeps the highest
 * window average of the current and the previous hour, so "what a principal uses today" is its recent
 * peak, not a mean that hides bursts a quota would throttle. The window being filled counts as if it
 * were whole (bytes so far over the full window): a lower bound that never inflates a short burst.
 * Adds come from several event loops without a lock; a lock is taken once per window, to roll it.
 */
public final class ByteRate {
    static final long WINDOW_MS = 10_000;
    private static final long HOUR_MS = 3_600_000;

    private final LongAdder current = new LongAdder();
    /** The window {@link #current} counts, as epoch millis / WINDOW_MS. */
    private volatile long window;
    private long hour;
    private long peakThisHour;
    private long peakLastHour;

    public ByteRate(long nowMillis) {
        this.window = nowMillis / WINDOW_MS;
        this.hour = nowMillis / HOUR_MS;
    }

    public void add(long bytes, long nowMillis) {
        if (nowMillis / WINDOW_MS != window) {
            roll(nowMillis);
        }
        current.add(bytes);
    }

    /** The highest window average, in bytes per second, of the last one to two hours, the window being filled included. */
    public synchronized long peakBytesPerSecond(long nowMillis) {
        roll(nowMillis);
        return Math.max(Math.max(peakThisHour, peakLastHour), perSecond(current.sum()));
    }

    private synchronized void roll(long nowMillis) {
        long w = nowMillis / WINDOW_MS;
        if (w <= window) {
            return; // rolled by another thread already, or the clock went back: keep counting into this window
        }
        long bytes = current.sumThenReset();
        ageTo(window * WINDOW_MS / HOUR_MS);
        peakThisHour = Math.max(peakThisHour, perSecond(bytes));
        ageTo(nowMillis / HOUR_MS);
        window = w;
    }

    private void ageTo(long h) {
        if (h > hour) {
            peakLastHour = h == hour + 1 ? peakThisHour : 0;
            peakThisHour = 0;
            hour = h;
        }
    }

    private static long perSecond(long bytes) {
        return bytes * 1000 / WINDOW_MS;
    }
}
