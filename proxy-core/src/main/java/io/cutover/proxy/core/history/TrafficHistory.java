package io.cutover.proxy.core.history;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy's recent measurements, in memory only: a ring of {@link HistorySample}s of fixed
 * capacity, so a full ring forgets its oldest sample for each new one and never grows. Nothing
 * survives a restart; {@link #startedAt()} says since when the history runs.
 */
public final class TrafficHistory {
    /** Samples kept: one hour at the default interval of 5 s. */
    public static final int DEFAULT_CAPACITY = 720;

    private final HistorySample[] ring;
    private final Duration interval;
    private final Instant startedAt;
    private int next;
    private int size;

    public TrafficHistory(int capacity, Duration interval, Instant startedAt) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: at least one sample, got " + capacity);
        }
        this.ring = new HistorySample[capacity];
        this.interval = interval;
        this.startedAt = startedAt;
    }

    public synchronized void append(HistorySample sample) {
        ring[next] = sample;
        next = (next + 1) % ring.length;
        size = Math.min(size + 1, ring.length);
    }

    /** Every sample kept, oldest first. */
    public synchronized List<HistorySample> samples() {
        List<HistorySample> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            out.add(ring[(next - size + i + ring.length) % ring.length]);
        }
        return out;
    }

    /** The samples taken in [from, to), oldest first. */
    public List<HistorySample> between(Instant from, Instant to) {
        return samples().stream().filter(s -> !s.at().isBefore(from) && s.at().isBefore(to)).toList();
    }

    public int capacity() {
        return ring.length;
    }

    public Duration interval() {
        return interval;
    }

    /** When this history began: the proxy's start. Nothing before it is known. */
    public Instant startedAt() {
        return startedAt;
    }
}
