package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.wire.FrameMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.netty.channel.EventLoop;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A proxy-wide number of bytes that connections reserve large frames from, first come first served:
 * the part {@link RequestMemory} and {@link ResponseMemory} share. A connection whose reservation does
 * not fit waits in line, not read from, and is told when its turn comes. While anyone waits, every
 * holder is looked at once a second, so that one holding memory too long can be closed.
 */
final class MemoryBudget {
    /** One connection's account, as the budget sees it. */
    interface Holder {
        /** Its turn has come: it tries its reservation again, on its own event loop. */
        void retry();

        /** Once a second while anyone waits, from whichever thread sweeps: close the connection if it holds memory too long. */
        void sweep(long nowNanos);

        /** The sweep is scheduled on the event loop of a holder that waits. */
        EventLoop eventLoop();
    }

    /**
     * A connection's account: waiting for a reservation, the part both budgets share. Event loop
     * only, but for what a subclass's {@link #sweep} reads.
     */
    abstract static class Account implements FrameMemory, Holder {
        private final MemoryBudget budget;
        private Grant grant;
        private int wanted;
        private boolean closed;

        Account(MemoryBudget budget) {
            this.budget = budget;
        }

        /** {@code bytes} are reserved for the frame being gathered from here on. */
        abstract void reserved(int bytes);

        /** Stop reading the connection the frame comes from, until the reservation is granted. */
        abstract void pauseReads();

        abstract void resumeReads();

        final MemoryBudget budget() {
            return budget;
        }

        final boolean isClosed() {
            return closed;
        }

        @Override
        public final boolean reserve(int bytes, Grant g) {
            if (closed) {
                return false;
            }
            if (budget.reserveNow(bytes)) {
                reserved(bytes);
                return true;
            }
            wanted = bytes;
            grant = g;
            pauseReads();
            budget.await(this, false);
            return false;
        }

        @Override
        public final void retry() {
            try {
                eventLoop().execute(this::tryGrant);
            } catch (RejectedExecutionException stopping) {
                // the proxy is shutting down: nothing waits any more
            }
        }

        private void tryGrant() {
            if (closed || grant == null) {
                budget.passTurn();
                return;
            }
            if (!budget.reserveInTurn(wanted)) {
                budget.await(this, true);
                return;
            }
            reserved(wanted);
            Grant g = grant;
            grant = null;
            g.granted(wanted);
            resumeReads();
            budget.passTurn(); // there may be room for the next one too
        }

        @Override
        public final void cancel() {
            if (grant == null) {
                return;
            }
            grant = null; // a retry already on its way passes the turn on
            budget.stopWaiting(this);
            resumeReads();
        }

        /** Leaves the line and the sweep for good; true the first time only. */
        final boolean markClosed() {
            if (closed) {
                return false;
            }
            closed = true;
            budget.close(this);
            grant = null;
            return true;
        }
    }

    private final long limit;
    private final AtomicLong reserved = new AtomicLong();
    private final ConcurrentLinkedDeque<Holder> waiting = new ConcurrentLinkedDeque<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    /** Every open connection's holder, for the sweep; one entry per connection, not per frame. */
    private final Set<Holder> holders = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Counter waits;

    /** @param side "request" or "response": names the metrics and the key, limits.{side}-memory */
    MemoryBudget(String side, long limit, ProxyMetrics metrics) {
        this.limit = limit;
        String frames = side + " frames";
        Gauge.builder("cutover.proxy." + side + ".memory.reserved", reserved, AtomicLong::get).baseUnit("bytes")
            .description("Bytes reserved for " + frames + " (limits." + side + "-memory)").register(metrics.registry());
        Gauge.builder("cutover.proxy." + side + ".memory.waiting", waitingCount, AtomicInteger::get)
            .description("Connections not read from until " + side + " memory is free").register(metrics.registry());
        this.waits = Counter.builder("cutover.proxy." + side + ".memory.waits")
            .description("Times a connection stopped being read until " + side + " memory was free").register(metrics.registry());
    }

    /** Registers a new connection's account for the sweep; returns it. */
    <A extends Holder> A open(A h) {
        holders.add(h);
        return h;
    }

    /** The connection ended: it no longer waits, nor is swept. What it held is given back separately. */
    void close(Holder h) {
        holders.remove(h);
        stopWaiting(h);
    }

    long reserved() {
        return reserved.get();
    }

    int waiting() {
        return waitingCount.get();
    }

    boolean anyoneWaiting() {
        return !waiting.isEmpty();
    }

    /** Reserves {@code bytes} now, unless someone is already waiting (they go first) or they do not fit. */
    boolean reserveNow(int bytes) {
        return waiting.isEmpty() && reserveInTurn(bytes);
    }

    /** Reserves {@code bytes} if they fit; for the holder whose turn it is. */
    boolean reserveInTurn(int bytes) {
        long now;
        do {
            now = reserved.get();
            // A single frame larger than the whole budget still passes, alone, so no valid frame
            // waits forever.
            if (now != 0 && now + bytes > limit) {
                return false;
            }
        } while (!reserved.compareAndSet(now, now + bytes));
        return true;
    }

    void giveBack(long bytes) {
        if (bytes == 0) {
            return;
        }
        reserved.addAndGet(-bytes);
        passTurn();
    }

    /** Tells the first in line that its turn has come. */
    void passTurn() {
        Holder next = waiting.pollFirst();
        if (next != null) {
            waitingCount.decrementAndGet();
            next.retry();
        }
    }

    /**
     * Puts {@code h} in line: at the back for a new wait, at the front for one whose turn came and
     * whose reservation still did not fit.
     */
    void await(Holder h, boolean again) {
        if (!again) {
            waits.increment();
        }
        waitingCount.incrementAndGet();
        if (again) {
            waiting.offerFirst(h);
        } else {
            waiting.offerLast(h);
        }
        // Whatever was given back between the failed reservation and joining the line woke nobody;
        // with nothing reserved at all nobody would ever wake us.
        if (reserved.get() == 0) {
            passTurn();
        }
        sweepWhileWaiting(h);
    }

    /** @return true if {@code h} was in line */
    boolean stopWaiting(Holder h) {
        if (waiting.remove(h)) {
            waitingCount.decrementAndGet();
            return true;
        }
        return false;
    }

    private void sweepWhileWaiting(Holder on) {
        if (sweeping.compareAndSet(false, true)) {
            try {
                on.eventLoop().schedule(this::sweep, 1, TimeUnit.SECONDS);
            } catch (RejectedExecutionException stopping) {
                sweeping.set(false); // the proxy is shutting down
            }
        }
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Holder h : holders) {
            h.sweep(now);
        }
        sweeping.set(false);
        Holder head = waiting.peekFirst();
        if (head != null) {
            sweepWhileWaiting(head);
        }
    }
}
