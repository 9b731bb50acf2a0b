package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.cutover.proxy.core.routing.data.TransactionBeginnings;
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
 *
 * <p>At a transaction boundary (a wave moving transactional ids, before its writes are held), only
 * a request that would begin the next transaction of one of those ids is held, with what follows
 * it on its connection.
 */
final class WriteFenceHandler extends ChannelInboundHandlerAdapter implements BodyNeed {
    private final ClientSession session;
    private final ReadGate clientReads;
    private final RequestSender upstream;
    private final ResponseReceiver responses;
    private ArrayDeque<RequestFrame> held;
    private WriteFence holdingFor;
    /** The transactional id whose next transaction the first held request would begin; null when held for a write. */
    private String heldBeginning;
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
        if (held != null || !(fenceable(api) || TransactionBeginnings.mayBegin(api))) {
            return false;
        }
        WriteFence fence = session.proxy().fences().active();
        return fence != null && fence.covers(session.cluster(), session.identity())
            && (fence.holdsWrites() && fenceable(api) || fence.movesTransactions() && TransactionBeginnings.mayBegin(api));
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
        WriteFence fence = fenceable(request.api) || TransactionBeginnings.mayBegin(request.api) ? session.proxy().fences().active() : null;
        boolean hold;
        String beginning = null;
        try {
            if (fence != null && fence.covers(session.cluster(), session.identity())) {
                hold = fence.holdsWrites() && fenceable(request.api) && fenced(request, fence);
                if (!hold && fence.movesTransactions() && TransactionBeginnings.mayBegin(request.api)) {
                    String id = TransactionBeginnings.transactionalId(request.api, request.body());
                    hold = fence.beginsTransaction(id, request.api == ApiKeys.INIT_PRODUCER_ID);
                    beginning = hold ? id : null;
                }
            } else {
                hold = false;
            }
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
            if (beginning != null && request.api != ApiKeys.INIT_PRODUCER_ID) {
                heldBeginning = beginning;
                fence.holdingTransaction(() -> ctx.channel().eventLoop().execute(this::reconsider));
            }
            return;
        }
        ctx.fireChannelRead(request);
    }

    /**
     * The request held as the beginning of a transaction belongs to one that another request has
     * begun meanwhile: it is part of a transaction in progress, which must reach its end.
     */
    private void reconsider() {
        if (held != null && heldBeginning != null && !holdingFor.holdsWrites() && holdingFor.transactionOpen(heldBeginning)) {
            release();
        }
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
        heldBeginning = null;
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
