package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.wire.FrameMemory;
import io.netty.channel.EventLoop;
import java.time.Duration;
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
        return budget.open(new Account(session, reads));
    }

    private final class Account extends MemoryBudget.Account {
        private final ClientSession session;
        private final ReadGate reads;
        // Written on the event loop, read by the sweep.
        private volatile int held;
        private volatile long heldSince;

        Account(ClientSession session, ReadGate reads) {
            super(budget);
            this.session = session;
            this.reads = reads;
        }

        @Override
        public EventLoop eventLoop() {
            return session.client().eventLoop();
        }

        @Override
        void reserved(int bytes) {
            heldSince = System.nanoTime();
            held = bytes;
        }

        @Override
        void pauseReads() {
            reads.pause(ReadGate.MEMORY);
        }

        @Override
        void resumeReads() {
            reads.resume(ReadGate.MEMORY);
        }

        @Override
        public void release(long bytes) {
            held = 0;
            budget.giveBack(bytes);
        }

        @Override
        public void close(long bytes) {
            if (!markClosed()) {
                return;
            }
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
            if (isClosed() || held == 0 || heldSince != since || !budget.anyoneWaiting()) {
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
