package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.FetchResponseStream;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Sends a large Fetch response on to its client while the broker is still sending it, as a TCP
 * proxy does: gathered whole first, a megabyte of records reached the consumer only after the proxy
 * had read all of it, so reading from the broker and writing to the client took turns instead of
 * overlapping (consume throughput 0.86x the L4 proxy's).
 *
 * <p>Only the response the client gets next (nothing before it in its order still to come), only a
 * Fetch whose request the proxy did not take partitions out of, and not while a capture runs, which
 * records responses whole. What the bytes need, {@link FetchResponseStream} edits in place as they
 * go; once the frame is whole, {@link #finish} edits the rest.
 */
final class FetchStreamer implements KafkaFrameDecoder.PartialFrames {
    /** Smaller responses come in one or two reads: nothing to gain. */
    static final int MIN_FRAME_BYTES = 64 * 1024;
    /**
     * Each look walks the response from its start, at a cost per partition arrived so far: looking
     * again only once what has come grew by this much, or by an eighth, bounds the looks at a few
     * dozen per response, however many partitions and reads it has.
     */
    private static final int MIN_LOOK_STEP_BYTES = 16 * 1024;
    private static final short FETCH = ApiKeys.FETCH.id;

    private final ClientSession session;
    private final ResponseReceiver responses;
    private final FetchResponseStream stream = new FetchResponseStream();
    /** The request whose response is under way; null when none is being streamed. */
    private InFlightRequest streaming;
    /** The frame under way takes the usual path, whole. */
    private boolean declined;
    private int sent;
    /** How much of the frame had come at the last look. */
    private int lookedAt;

    FetchStreamer(ClientSession session, ResponseReceiver responses) {
        this.session = session;
        this.responses = responses;
    }

    @Override
    public void arriving(ByteBuf in, int frameBytes) {
        if (declined || session.isClosed()) {
            return;
        }
        if (streaming == null && !startOn(in)) {
            return;
        }
        int arrived = in.readableBytes();
        if (arrived - lookedAt < Math.max(MIN_LOOK_STEP_BYTES, lookedAt >>> 3)) {
            return;
        }
        lookedAt = arrived;
        int canSend = stream.advance(in);
        if (canSend == FetchResponseStream.REFUSED) {
            streaming = null;
            declined = true;
            return;
        }
        if (canSend > sent) {
            responses.sendAhead(in.retainedSlice(in.readerIndex() + sent, canSend - sent));
            sent = canSend;
        }
    }

    /** True when the frame in {@code in} answers the request the client awaits next, and may be streamed. */
    private boolean startOn(ByteBuf in) {
        if (in.readableBytes() < 8) {
            return false; // its correlation id has not come yet
        }
        InFlightRequest next = responses.nextFromUpstream();
        int correlationId = in.getInt(in.readerIndex() + 4);
        declined = next == null || next.correlationId != correlationId || next.apiKey != FETCH || next.fixup != null
            || session.proxy().captures().active() != null
            || !stream.begin(next.apiVersion, session.rewriteContext().virtualize(),
                session.rewriteContext().cluster(), session.rewriteContext().topicIds());
        if (!declined) {
            streaming = next;
            sent = 0;
            lookedAt = 0;
        }
        return !declined;
    }

    @Override
    public void whole() {
        if (streaming != null && sent > 0) {
            streaming.streamed = sent;
            session.proxy().metrics().fetchResponseStreamed();
        }
        streaming = null;
        declined = false;
        sent = 0;
    }

    /**
     * The whole frame of a response whose first bytes went ahead: edits the rest in place. False
     * when the rest needs a rewrite the bytes sent rule out; the connection must then be closed.
     */
    boolean finish(InFlightRequest slot) {
        return stream.finish(slot.response);
    }
}
