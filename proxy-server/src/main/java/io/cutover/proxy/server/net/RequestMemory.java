package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.wire.FrameMemory;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

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
    private final MemoryBudget budget;
    private final long frameTimeoutNanos;

    public RequestMemory(long limit, Duration frameTimeout, ProxyMetrics metrics) {
        this.budget = new MemoryBudget("request", limit, metrics);
        this.frameTimeoutNanos = frameTimeout.toNanos();
    }

    /** One client connection's account; {@code reads} is paused while it waits. */
    FrameMemory account(ClientSession session, ReadGate reads) {
        Account a = new Account(session, reads);
        budget.open(a);
        return a;
    }

    long reserved() {
        return budget.reserved();
    }

    int waiting() {
        return budget.waiting();
    }

    private final class Account implements FrameMemory, MemoryBudget.Holder {
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
        public EventLoop eventLoop() {
            return session.client().eventLoop();
        }

        @Override
        public boolean reserve(int bytes, Grant g) {
            if (closed) {
                return false;
            }
            if (budget.reserveNow(bytes)) {
                hold(bytes);
                return true;
            }
            wanted = bytes;
            grant = g;
            reads.pause(ReadGate.MEMORY);
            budget.await(this, false);
            return false;
        }

        private void hold(int bytes) {
            heldSince = System.nanoTime();
            held = bytes;
        }

        @Override
        public void retry() {
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
            hold(wanted);
            Grant g = grant;
            grant = null;
            g.granted(wanted);
            reads.resume(ReadGate.MEMORY);
            budget.passTurn(); // there may be room for the next one too
        }

        @Override
        public void cancel() {
            if (grant == null) {
                return;
            }
            grant = null; // a retry already on its way passes the turn on
            budget.stopWaiting(this);
            reads.resume(ReadGate.MEMORY);
        }

        @Override
        public void release(long bytes) {
            held = 0;
            budget.giveBack(bytes);
        }

        @Override
        public void close(long bytes) {
            if (closed) {
                return;
            }
            closed = true;
            budget.close(this);
            grant = null;
            held = 0;
            budget.giveBack(bytes);
        }

        @Override
        public void sweep(long now) {
            long since = heldSince;
            if (held != 0 && now - since > frameTimeoutNanos) {
                eventLoop().execute(() -> expire(since));
            }
        }

        private void expire(long since) {
            if (closed || held == 0 || heldSince != since || !budget.anyoneWaiting()) {
                return;
            }
            if (reads.isPaused()) {
                // The proxy is not reading from it (a fence, a slow broker): the delay is not the
                // client's, so its time starts again.
                heldSince = System.nanoTime();
                return;
            }
            session.fail(ProxyError.SLOW_REQUEST_FRAME, "a request frame of " + held + " bytes was not complete after "
                + TimeUnit.NANOSECONDS.toSeconds(frameTimeoutNanos) + " s while " + budget.waiting()
                + " connection(s) waited for request memory (limits.request-frame-timeout, limits.request-memory)");
        }
    }
}
