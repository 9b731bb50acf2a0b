package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Rewrites the responses that name brokers or versions (Metadata, FindCoordinator, DescribeCluster,
 * ApiVersions, and the leader hints of Produce and Fetch). Every other response passes untouched.
 */
final class ResponseRewriteHandler extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private final ResponseRewriting rewriting;

    ResponseRewriteHandler(ProxyConnection conn) {
        this.conn = conn;
        this.rewriting = conn.context().rewriting();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InFlightRequest slot = (InFlightRequest) msg;
        if (TransactionTracking.applies(slot)) {
            // Before virtualise: it reads the broker's own answer.
            TransactionTracking.record(slot, slot.response, conn);
        }
        if (TransactionalResponses.applies(slot)) {
            ByteBuf original = slot.response;
            ByteBuf rewritten = TransactionalResponses.virtualise(ctx.alloc(), original, slot, conn.cluster(),
                conn.context().routing().transactionalProducers(), conn.context().routing().realProducerIds());
            if (rewritten != original) {
                slot.response = rewritten;
                original.release();
            }
        }
        if (rewriting.needsRewrite(slot.response, slot.apiKey, slot.apiVersion, conn.rewriteContext(), slot.misrouted)) {
            ByteBuf original = slot.response;
            ByteBuf rewritten = rewriting.rewrite(ctx.alloc(), original, slot.apiKey, slot.apiVersion, conn.rewriteContext(),
                slot.misrouted);
            if (rewritten != original) {
                slot.response = rewritten;
                original.release();
            }
        }
        ctx.fireChannelRead(slot);
    }
}
