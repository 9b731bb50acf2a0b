package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Pairs each upstream response frame with the request it answers, and passes the pair on. */
final class ResponseCorrelator extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;

    ResponseCorrelator(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (conn.isClosed()) {
            frame.release();
            return;
        }
        InFlightRequest slot = conn.correlate(frame, ResponseFrames.correlationId(frame));
        if (slot == null) {
            frame.release();
            return;
        }
        ctx.fireChannelRead(slot);
    }
}
