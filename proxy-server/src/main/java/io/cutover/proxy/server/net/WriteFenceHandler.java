package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.cutover.proxy.server.wave.WriteFence;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Holds a connection's requests while a wave's write fence stands: from the first Produce naming a
 * fenced topic (or offset commit naming a fenced group), that request and every later one of the
 * connection wait here, in order, and the connection is not read. Nothing has been answered or
 * forwarded for them yet, so on release they continue down the pipeline as if just received, and
 * the routers send them wherever the routes then say. With no fence standing this is one volatile
 * read per request, and nothing is decoded for it.
 */
final class WriteFenceHandler extends ChannelInboundHandlerAdapter implements BodyNeed {
    private final ClientSession session;
    private final ReadGate clientReads;
    private final RequestSender upstream;
    private final ResponseReceiver responses;
    private ArrayDeque<RequestFrame> held;
    private WriteFence holdingFor;
    private ChannelHandlerContext ctx;

    WriteFenceHandler(ClientSession session, ReadGate clientReads, RequestSender upstream, ResponseReceiver responses) {
        this.session = session;
        this.clientReads = clientReads;
        this.upstream = upstream;
        this.responses = responses;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        if (held != null || !fenceable(api)) {
            return false;
        }
        WriteFence fence = session.proxy().fences().active();
        return fence != null && fence.covers(session.cluster(), session.identity());
    }

    private static boolean fenceable(ApiKeys api) {
        return api == ApiKeys.PRODUCE || api == ApiKeys.OFFSET_COMMIT || api == ApiKeys.TXN_OFFSET_COMMIT;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        if (held != null) {
            held.add(request);
            holdingFor.held(request.bytes());
            return;
        }
        WriteFence fence = fenceable(request.api) ? session.proxy().fences().active() : null;
        boolean hold;
        try {
            hold = fence != null && fence.covers(session.cluster(), session.identity()) && fenced(request, fence);
        } catch (RuntimeException e) {
            session.refuseMalformed(request, e);
            return;
        }
        if (hold) {
            held = new ArrayDeque<>();
            held.add(request);
            holdingFor = fence;
            clientReads.pause(ReadGate.FENCED);
            fence.held(request.bytes());
            fence.holding(() -> ctx.channel().eventLoop().execute(this::release));
            return;
        }
        ctx.fireChannelRead(request);
    }

    private boolean fenced(RequestFrame request, WriteFence fence) {
        // A fence raised between RequestDecoder and here finds the body not yet decoded: decoding it
        // now is still the request's one decode.
        return switch (request.api) {
            case PRODUCE -> {
                var ids = session.rewriteContext().topicIds();
                yield RequestedTopics.anyTopic(request.body(), ids::nameOfVirtual, t -> t != null && fence.topics().contains(t));
            }
            case OFFSET_COMMIT -> fence.groups().contains(((OffsetCommitRequestData) request.body()).groupId());
            case TXN_OFFSET_COMMIT -> fence.groups().contains(((TxnOffsetCommitRequestData) request.body()).groupId());
            default -> false;
        };
    }

    /** Sends the held requests on, in order, and reads the connection again. */
    private void release() {
        ArrayDeque<RequestFrame> requests = held;
        if (requests == null) {
            return;
        }
        held = null;
        holdingFor = null;
        RequestFrame r;
        while ((r = requests.poll()) != null) {
            if (session.isClosed()) {
                r.release();
            } else {
                ctx.fireChannelRead(r);
            }
        }
        upstream.flushUpstream();
        responses.flushClient();
        clientReads.resume(ReadGate.FENCED);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (held != null) {
            held.forEach(RequestFrame::release);
            held = null;
        }
        super.channelInactive(ctx);
    }
}
