package io.cutover.proxy.server.fleet;

import io.cutover.proxy.server.net.BrokerListeners;
import io.cutover.proxy.server.net.ConnectionDrain;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes this proxy out of a fleet behind a load balancer without losing an answer (POST /drain,
 * SIGTERM): at once it stops being ready and stops accepting connections; then its client
 * connections are closed one by one over fleet.drain-period, each once its requests are answered
 * ({@link ConnectionDrain}). When the last one is closed, or the period and {@link #GRACE} have
 * passed, {@code onDrained} runs (the command line exits 0 there). A drain is never restarted: a
 * second request is told one is under way.
 */
public final class ProxyDrain {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyDrain.class);

    /**
     * How long past the drain period connections still waiting for answers are given. A broker
     * answers a Produce within its timeout (30 s by default) only in the worst case; a few seconds
     * cover the usual case without keeping a deploy waiting on one stuck request.
     */
    public static final Duration GRACE = Duration.ofSeconds(5);

    /** When and why the drain began. */
    public record Started(Instant at, String reason) {
    }

    /** What GET /health/ready and POST /drain show of a drain; an immutable snapshot. */
    public record Status(Started started, boolean drained, int connectionsOpen, long connectionsClosed, Duration period) {
        public boolean draining() {
            return started != null;
        }
    }

    private final BrokerListeners listeners;
    private final ConnectionDrain connections;
    private final Duration period;
    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final AtomicReference<Started> started = new AtomicReference<>();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private volatile Runnable onDrained = () -> { };

    /** @param timer runs the deadline; not a Kafka event loop's business */
    public ProxyDrain(BrokerListeners listeners, ConnectionDrain connections, Duration period, ScheduledExecutorService timer, Clock clock) {
        this.listeners = listeners;
        this.connections = connections;
        this.period = period;
        this.timer = timer;
        this.clock = clock;
    }

    /** What runs once the drain is over, on a thread of its own (so it may stop the proxy and exit). */
    public void onDrained(Runnable action) {
        this.onDrained = action;
    }

    /** Begins the drain; false (and nothing changes) when one is already under way. */
    public boolean begin(String reason) {
        Started s = new Started(clock.instant(), reason);
        if (!started.compareAndSet(null, s)) {
            return false;
        }
        LOG.info("draining ({}): not ready any more, listeners closing, {} client connections to close over {} (fleet.drain-period)",
            reason, connections.open(), period);
        // Connections first: one accepted from here on is refused on arrival; then no new one arrives.
        CompletableFuture<Void> allClosed = connections.start(period);
        listeners.stopAccepting();
        timer.schedule(() -> finish(false), period.plus(GRACE).toNanos(), TimeUnit.NANOSECONDS);
        // On the timer, after the task that began the drain: POST /drain's answer is written before
        // a drain with no connection to wait for can end the process.
        allClosed.thenRunAsync(() -> finish(true), timer);
        return true;
    }

    public boolean draining() {
        return started.get() != null;
    }

    /** Completes when the drain is over: every connection closed, or the period and grace passed. */
    public CompletableFuture<Void> drained() {
        return drained;
    }

    public Status status() {
        return new Status(started.get(), drained.isDone(), connections.open(), connections.closed(), period);
    }

    private void finish(boolean allClosed) {
        if (!drained.complete(null)) {
            return;
        }
        if (allClosed) {
            LOG.info("drained: every client connection is closed ({} by the drain)", connections.closed());
        } else {
            LOG.warn("drain period and {} of grace over with {} client connections still waiting for answers; stopping anyway "
                + "(their clients retry on another proxy)", GRACE, connections.open());
        }
        Thread t = new Thread(onDrained, "cutover-proxy-drained");
        t.start();
    }
}
