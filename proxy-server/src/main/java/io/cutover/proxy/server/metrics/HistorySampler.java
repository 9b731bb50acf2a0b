package io.cutover.proxy.server.metrics;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.core.history.HistorySample;
import io.cutover.proxy.core.history.SeriesKeys;
import io.cutover.proxy.core.history.TrafficHistory;
import io.cutover.proxy.core.wave.Wave;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends what the proxy measures to its {@link TrafficHistory} every interval, on a daemon timer of
 * its own: requests per second per cluster and errors sent on purpose per code (from the counters
 * behind /metrics), stale clients per cluster (their gauge), each wave's replication lag (from its
 * last check or switch) and each switch's write pause (from the wave's switch records). Waves and
 * error codes past {@value #MAX_KEYS} each fold into "other".
 */
public final class HistorySampler implements AutoCloseable {
    /** Lines per series at most: waves, error codes. */
    public static final int MAX_KEYS = 20;
    private static final Logger LOG = LoggerFactory.getLogger(HistorySampler.class);

    private final MeterRegistry registry;
    private final Supplier<List<Wave>> waves;
    private final TrafficHistory history;
    private final Clock clock;
    private final SeriesKeys waveKeys = new SeriesKeys(MAX_KEYS);
    private final SeriesKeys codeKeys = new SeriesKeys(MAX_KEYS);
    private final Set<String> pausesSeen = new HashSet<>();
    private final ScheduledExecutorService timer = DaemonScheduler.named("cutover-history");
    private Map<String, Double> requestsBefore;
    private Map<String, Double> errorsBefore;
    private long nanosBefore;

    public HistorySampler(MeterRegistry registry, Supplier<List<Wave>> waves, TrafficHistory history, Clock clock) {
        this.registry = registry;
        this.waves = waves;
        this.history = history;
        this.clock = clock;
    }

    /**
     * Samples every {@code history.interval()}, the first time after one interval. With a fixed delay
     * rather than rate: a sample that waited (for the wave list, during a switch) is not followed by a
     * burst of catch-up samples a few microseconds apart.
     */
    public HistorySampler start() {
        long every = history.interval().toMillis();
        timer.scheduleWithFixedDelay(this::sampleSafely, every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    private void sampleSafely() {
        try {
            sample();
        } catch (RuntimeException e) {
            // One bad sample must not end the timer: a scheduled task stops at the first exception.
            LOG.warn("cannot sample the history: {}", e.toString());
        }
    }

    /** Takes one sample now. The first one only sets the counters' baseline, so it has no rates. */
    synchronized void sample() {
        long now = System.nanoTime();
        Instant at = Instant.now(clock);
        Map<String, Double> requests = counters("cutover.proxy.cluster.requests", "cluster");
        Map<String, Double> errors = codeKeys.fold(counters("cutover.proxy.forced.refresh", "code"));
        Map<String, Double> requestRates = rates(requests, requestsBefore, now);
        Map<String, Double> errorRates = rates(errors, errorsBefore, now);
        boolean first = requestsBefore == null;
        requestsBefore = requests;
        errorsBefore = errors;
        nanosBefore = now;
        Map<String, Double> lag = new TreeMap<>();
        Map<String, Double> pauses = new TreeMap<>();
        for (Wave w : waves.get()) {
            long l = replicationLag(w);
            if (l >= 0) {
                lag.put(w.name(), (double) l);
            }
            for (JsonNode s : w.switches()) {
                // Switches from before this sampler started were measured by an earlier history.
                if (s.has("writePauseMs") && pausesSeen.add(w.name() + "|" + s.path("startedAt").asText()) && !first) {
                    pauses.merge(w.name(), s.get("writePauseMs").asDouble(), Math::max);
                }
            }
        }
        if (first) {
            return;
        }
        history.append(new HistorySample(at, requestRates, waveKeys.fold(lag), gauges("cutover.proxy.stale.clients", "cluster"),
            errorRates, waveKeys.fold(pauses)));
    }

    private Map<String, Double> rates(Map<String, Double> totals, Map<String, Double> before, long now) {
        Map<String, Double> out = new TreeMap<>();
        if (before == null) {
            return out;
        }
        double seconds = (now - nanosBefore) / 1e9;
        // A counter registered since the last sample (a cluster's first request) started from zero.
        totals.forEach((k, v) -> out.put(k, seconds <= 0 ? 0 : Math.max(0, v - before.getOrDefault(k, 0.0)) / seconds));
        return out;
    }

    private Map<String, Double> counters(String name, String tag) {
        Map<String, Double> out = new HashMap<>();
        for (Counter c : registry.find(name).counters()) {
            out.merge(c.getId().getTag(tag), c.count(), Double::sum);
        }
        return out;
    }

    private Map<String, Double> gauges(String name, String tag) {
        Map<String, Double> out = new TreeMap<>();
        for (Gauge g : registry.find(name).gauges()) {
            out.merge(g.getId().getTag(tag), g.value(), Double::sum);
        }
        return out;
    }

    /** The wave's lag in records, summed over its partitions, as its replication gate last saw it; -1 when never checked. */
    static long replicationLag(Wave w) {
        if (w.gates() == null) {
            return -1;
        }
        for (JsonNode g : w.gates()) {
            if ("replication-caught-up".equals(g.path("gate").asText())) {
                long sum = 0;
                for (JsonNode p : g.path("evidence").path("partitions")) {
                    sum += Math.max(0, p.path("lag").asLong());
                }
                return sum;
            }
        }
        return -1;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
