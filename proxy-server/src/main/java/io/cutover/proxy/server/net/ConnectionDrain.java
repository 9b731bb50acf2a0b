package io.cutover.proxy.server.net;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closes every client connection, one by one, spread evenly over a period: the k-th of n open ones
 * is drained k * period / n after the start, so their clients do not all reconnect (and refresh
 * metadata) through the load balancer in the same instant. Each connection stops being read and
 * closes only once every request it sent has been answered, so no client loses an answer; what it
 * had not sent yet, it sends again on its new connection.
 */
public final class ConnectionDrain {
    private final LiveConnections connections;
    private final AtomicLong closed = new AtomicLong();

    public ConnectionDrain(LiveConnections connections) {
        this.connections = connections;
    }

    /**
     * Starts the drain; call once. Completes when no connection is open any more. Connections that
     * start meanwhile (accepted just before the listeners closed, or logging in late) are drained at once.
     */
    public CompletableFuture<Void> start(Duration period) {
        List<LiveConnection> open = connections.beginDrain(c -> c.eventLoop().execute(() -> c.drain(closed::incrementAndGet)));
        long step = open.isEmpty() ? 0 : period.toNanos() / open.size();
        for (int k = 0; k < open.size(); k++) {
            LiveConnection c = open.get(k);
            // On the connection's own event loop: its state is touched by that thread only.
            c.eventLoop().schedule(() -> c.drain(closed::incrementAndGet), k * step, TimeUnit.NANOSECONDS);
        }
        return connections.allClosed();
    }

    /** Connections this drain closed (those whose clients left by themselves meanwhile are not counted). */
    public long closed() {
        return closed.get();
    }

    /** Connections open now. */
    public int open() {
        return connections.size();
    }
}
