package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.wire.FrameMemory;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The proxy-wide budget for response frames ({@code limits.response-memory}): a Fetch response is
 * as large as the client asks (its fetch.max.bytes), so without it ten thousand consumers that stop
 * reading their sockets could each leave one such frame in the proxy.
 *
 * <p>A response frame larger than {@link FrameMemory#UNBUDGETED_FRAME_BYTES} that arrives over
 * several reads reserves its whole size when it begins; one that does not fit stops the broker
 * connection being read and waits its turn. The reservation is held until the client has taken the
 * frame: given back at once if the client's connection can still take more once the frame is
 * written to it, else when it can again (its outbound buffer is under the low watermark). A
 * client that reads nothing of what it was sent for {@code limits.response-read-timeout}, while it
 * holds response memory others wait for, is closed: a consumer that asks for large fetches and does
 * not read them cannot keep the budget from the others. One that reads slowly is not, however
 * long a large response takes it. Small frames, and frames that arrive whole in one read, never
 * wait.
 */
public final class ResponseMemory {
    private final MemoryBudget budget;
    private final long readTimeoutNanos;

    public ResponseMemory(long limit, Duration readTimeout, ProxyMetrics metrics) {
        this.budget = new MemoryBudget("response", limit, metrics);
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    /** One client connection's account; its broker connection's reads are paused (through {@code responses}) while it waits. */
    Account account(ClientSession session, ResponseQueue responses) {
        return budget.open(new Account(session, responses));
    }

    /**
     * Bytes written to {@code client} and not yet taken by its socket. The outbound buffer counts a
     * message as pending until all of it is sent, so the part of the current one already sent is
     * taken off: a client reading one large response slowly is seen to read.
     */
    private static long unsent(Channel client) {
        ChannelOutboundBuffer out = client.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes() - out.currentProgress();
    }

    final class Account extends MemoryBudget.Account {
        private final ClientSession session;
        private final ResponseQueue responses;
        // Event loop only.
        /** What the client's connection still had to send at the last look; MAX_VALUE before the first. */
        private long lastPending = Long.MAX_VALUE;
        // Written on the event loop, read by the sweep.
        /** Reserved for the frame being read from the broker. */
        private volatile int gathering;
        /** Reserved for frames handed to the client's connection that it has not taken yet. */
        private volatile long handedOn;
        /**
         * Since when the client has read nothing while its connection could take no more; 0 while it
         * can take more.
         */
        private volatile long idleSince;

        Account(ClientSession session, ResponseQueue responses) {
            super(budget);
            this.session = session;
            this.responses = responses;
        }

        @Override
        public EventLoop eventLoop() {
            return session.client().eventLoop();
        }

        @Override
        void reserved(int bytes) {
            gathering = bytes;
        }

        @Override
        void pauseReads() {
            responses.pauseUpstreamReads(ReadGate.MEMORY);
        }

        @Override
        void resumeReads() {
            responses.resumeUpstreamReads(ReadGate.MEMORY);
        }

        /** Called once the frame has been passed on, so written to the client's connection unless an earlier answer is still owed. */
        @Override
        public void release(long bytes) {
            gathering = 0;
            if (session.client().isWritable()) {
                budget.giveBack(bytes);
                return;
            }
            handedOn += bytes;
            if (idleSince == 0) {
                becameUnwritable();
            }
        }

        private void becameUnwritable() {
            idleSince = System.nanoTime();
            lastPending = Long.MAX_VALUE;
        }

        /** The client's connection can take more, or no longer can. */
        void clientWritabilityChanged() {
            if (!session.client().isWritable()) {
                if (idleSince == 0) {
                    becameUnwritable();
                }
                return;
            }
            idleSince = 0;
            long taken = handedOn;
            if (taken != 0) {
                handedOn = 0;
                budget.giveBack(taken);
            }
        }

        /**
         * Called twice: by the connection pair when the client leaves (nothing more will be taken), and
         * by the broker connection's decoder when it is removed, with the frame it was gathering.
         */
        @Override
        public void close(long held) {
            if (markClosed()) {
                held += handedOn;
                handedOn = 0;
            }
            gathering = 0;
            budget.giveBack(held);
        }

        @Override
        public void sweep(long now) {
            if (idleSince != 0 && (handedOn != 0 || gathering != 0)) {
                try {
                    eventLoop().execute(this::lookAtReading);
                } catch (RejectedExecutionException stopping) {
                    // the proxy is shutting down
                }
            }
        }

        /** Once a second while anyone waits: has the client read anything since the last look? */
        private void lookAtReading() {
            if (isClosed() || idleSince == 0 || (handedOn == 0 && gathering == 0)) {
                return;
            }
            long now = System.nanoTime();
            long pending = unsent(session.client());
            if (pending < lastPending) {
                if (lastPending != Long.MAX_VALUE) {
                    idleSince = now; // it read some: a slow reader, not one that has stopped
                }
                lastPending = pending;
            }
            if (now - idleSince <= readTimeoutNanos || !budget.anyoneWaiting()) {
                return;
            }
            session.fail(ProxyError.SLOW_RESPONSE_READER, "the client read nothing of what it was sent for "
                + TimeUnit.NANOSECONDS.toSeconds(readTimeoutNanos) + " s, holding " + (handedOn + gathering) + " bytes of response memory, "
                + "while " + budget.waiting() + " connection(s) waited for it (limits.response-read-timeout, limits.response-memory)");
        }
    }
}
