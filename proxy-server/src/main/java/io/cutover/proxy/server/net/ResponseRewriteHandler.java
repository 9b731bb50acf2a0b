package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Rewrites a response so the client sees only the proxy: node addresses, topic ids, leader
 * epochs, producer ids, and the partitions the proxy took out of the request. First, reads the
 * answers that open or end a transaction, as the broker gave them.
 */
final class ResponseRewriteHandler extends ChannelInboundHandlerAdapter {
    private final ClientSession session;
    private final ResponseRewriting rewriting;
    private final TransactionTracking transactions;
    private final FetchStreamer streamer;

    /** @param streamer where Fetch responses streamed while they arrived are finished; null when none are */
    ResponseRewriteHandler(ClientSession session, FetchStreamer streamer) {
        this.session = session;
        this.rewriting = session.proxy().rewriting();
        this.transactions = new TransactionTracking(session);
        this.streamer = streamer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InFlightRequest slot = (InFlightRequest) msg;
        if (slot.streamed > 0) {
            // Its first bytes are with the client already: only edits in place are possible now.
            if (!streamer.finish(slot)) {
                session.fail(ProxyError.STREAMED_RESPONSE_UNREWRITABLE, "a Fetch response sent on as it arrived carried, after its first "
                    + slot.streamed + " bytes, leader hints the proxy must rewrite; the client fetches again");
                return;
            }
            ctx.fireChannelRead(slot);
            return;
        }
        ResponseFixup fixup = slot.fixup;
        if (fixup != null) {
            String transactionalId = TransactionTracking.trackedTransactionalId(fixup);
            if (transactionalId != null) {
                // Before virtualise: it reads the broker's own answer.
                transactions.record(slot, transactionalId, slot.response);
            }
            if (TransactionalResponses.applies(fixup)) {
                var routing = session.proxy().routing();
                replace(slot, TransactionalResponses.virtualise(ctx.alloc(), slot.response, slot, session.cluster(),
                    routing.transactionalProducers(), routing.realProducerIds()));
            }
        }
        var misrouted = fixup == null ? null : fixup.misrouted();
        if (rewriting.needsRewrite(slot.response, slot.apiKey, slot.apiVersion, session.rewriteContext(), misrouted)) {
            replace(slot, rewriting.rewrite(ctx.alloc(), slot.response, slot.apiKey, slot.apiVersion, session.rewriteContext(), misrouted));
        }
        ctx.fireChannelRead(slot);
    }

    private static void replace(InFlightRequest slot, ByteBuf rewritten) {
        ByteBuf original = slot.response;
        if (rewritten != original) {
            slot.response = rewritten;
            original.release();
        }
    }
}
