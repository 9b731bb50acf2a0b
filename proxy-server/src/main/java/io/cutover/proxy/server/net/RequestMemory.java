package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.wire.FrameMemory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy-wide budget for request frames being gathered over several reads
 * ({@code limits.request-memory}). Per-connection limits alone bound nothing proxy-wide: ten thousand
 * connections may each be within {@code limits.max-request-frame-bytes}.
 *
 * <p>A connection whose frame does not fit stops being read and waits its turn, first come first
 * served; it holds what it had read, at most about one read. A frame that holds memory while others
 * wait must arrive whole within {@code limits.request-frame-timeout}, or its connection is closed: a
 * client that declares large frames and sends them slowly cannot keep the budget from the others.
 * Frames that arrive whole in one read, and frames up to {@link FrameMemory#UNBUDGETED_FRAME_BYTES},
 * are never held back, so Metadata, Fetch and small produces go on while large ones wait.
 */
public final class RequestMemory {
    private final long limit;
    private final long frameTimeoutNanos;
    private final AtomicLong reserved = new AtomicLong();
    private final ConcurrentLinkedDeque<Account> waiting = new ConcurrentLinkedDeque<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    /** Every open client connection's account, for the timeout sweep; one entry per connection, not per frame. */
    private final Set<Account> accounts = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final Counter waits;

    public RequestMemory(long limit, Duration frameTimeout, ProxyMetrics metrics) {
        this.limit = limit;
        this.frameTimeoutNanos = frameTimeout.toNanos();
        Gauge.builder("cutover.proxy.request.memory.reserved", reserved, AtomicLong::get).baseUnit("bytes")
            .description("Bytes reserved for request frames being read (limits.request-memory)").register(metrics.registry());
        Gauge.builder("cutover.proxy.request.memory.waiting", waitingCount, AtomicInteger::get)
            .description("Client connections not read from until request memory is free").register(metrics.registry());
        this.waits = Counter.builder("cutover.proxy.request.memory.waits")
            .description("Times a client connection stopped being read until request memory was free").register(metrics.registry());
    }

    /** One client connection's account; {@code reads} is paused while it waits. */
    FrameMemory account(ClientSession session, ReadGate reads) {
        Account a = new Account(session, reads);
        accounts.add(a);
        return a;
    }

    long reserved() {
        return reserved.get();
    }

    int waiting() {
        return waitingCount.get();
    }

    private boolean tryReserve(int bytes) {
        long now;
        do {
            now = reserved.get();
            // A single frame larger than the whole budget still passes, alone, so no valid request
            // waits forever.
            if (now != 0 && now + bytes > limit) {
                return false;
            }
        } while (!reserved.compareAndSet(now, now + bytes));
        return true;
    }

    private void giveBack(int bytes) {
        reserved.addAndGet(-bytes);
        wakeNext();
    }

    private void wakeNext() {
        Account next = waiting.pollFirst();
        if (next != null) {
            waitingCount.decrementAndGet();
            next.retry();
        }
    }

    private void enqueue(Account a, boolean first) {
        waitingCount.incrementAndGet();
        if (first) {
            waiting.offerFirst(a);
        } else {
            waiting.offerLast(a);
        }
        // Whatever was given back between the failed reservation and joining the queue woke nobody;
        // with nothing reserved at all nobody would ever wake us.
        if (reserved.get() == 0) {
            wakeNext();
        }
        sweepWhileWaiting(a);
    }

    private void sweepWhileWaiting(Account on) {
        if (sweeping.compareAndSet(false, true)) {
            try {
                on.session.client().eventLoop().schedule(this::sweep, 1, TimeUnit.SECONDS);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                sweeping.set(false); // the proxy is shutting down
            }
        }
    }

    /** While anyone waits, once a second: frames holding memory past the timeout lose their connection. */
    private void sweep() {
        long now = System.nanoTime();
        for (Account a : accounts) {
            long since = a.heldSince;
            if (a.held != 0 && now - since > frameTimeoutNanos) {
                a.session.client().eventLoop().execute(() -> a.expire(since));
            }
        }
        sweeping.set(false);
        Account head = waiting.peekFirst();
        if (head != null) {
            sweepWhileWaiting(head);
        }
    }

    private final class Account implements FrameMemory {
        private final ClientSession session;
        private final ReadGate reads;
        // Event loop only.
        private Grant grant;
        private int wanted;
        private boolean closed;
        // Written on the event loop, read by the sweep.
        private volatile int held;
        private volatile long heldSince;

        Account(ClientSession session, ReadGate reads) {
            this.session = session;
            this.reads = reads;
        }

        @Override
        public boolean reserve(int bytes, Grant g) {
            if (closed) {
                return false;
            }
            // Behind anyone already waiting: first come, first served.
            if (waiting.isEmpty() && tryReserve(bytes)) {
                hold(bytes);
                return true;
            }
            wanted = bytes;
            grant = g;
            reads.pause(ReadGate.MEMORY);
            waits.increment();
            enqueue(this, false);
            return false;
        }

        private void hold(int bytes) {
            heldSince = System.nanoTime();
            held = bytes;
        }

        void retry() {
            try {
                session.client().eventLoop().execute(this::tryGrant);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // the proxy is shutting down: nothing waits any more
            }
        }

        private void tryGrant() {
            if (closed || grant == null) {
                wakeNext(); // pass the turn on
                return;
            }
            if (!tryReserve(wanted)) {
                enqueue(this, true);
                return;
            }
            hold(wanted);
            Grant g = grant;
            grant = null;
            g.granted(wanted);
            reads.resume(ReadGate.MEMORY);
            wakeNext(); // there may be room for the next one too
        }

        @Override
        public void cancel() {
            if (grant == null) {
                return;
            }
            grant = null; // a retry already on its way passes the turn on
            if (waiting.remove(this)) {
                waitingCount.decrementAndGet();
            }
            reads.resume(ReadGate.MEMORY);
        }

        @Override
        public void release(int bytes) {
            held = 0;
            giveBack(bytes);
        }

        @Override
        public void close(int bytes) {
            if (closed) {
                return;
            }
            closed = true;
            accounts.remove(this);
            if (grant != null && waiting.remove(this)) {
                waitingCount.decrementAndGet();
            }
            grant = null;
            held = 0;
            if (bytes != 0) {
                giveBack(bytes);
            }
        }

        private void expire(long since) {
            if (closed || held == 0 || heldSince != since || waiting.isEmpty()) {
                return;
            }
            if (reads.isPaused()) {
                // The proxy is not reading from it (a fence, a slow broker): the delay is not the
                // client's, so its time starts again.
                heldSince = System.nanoTime();
                return;
            }
            session.fail(ProxyError.SLOW_REQUEST_FRAME, "a request frame of " + held + " bytes was not complete after "
                + TimeUnit.NANOSECONDS.toSeconds(frameTimeoutNanos) + " s while " + waitingCount.get()
                + " connection(s) waited for request memory (limits.request-frame-timeout, limits.request-memory)");
        }
    }
}
