package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sends answered responses to the client in request order, and flushes once per upstream read
 * rather than once per response.
 */
final class ResponseSequencer extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;

    ResponseSequencer(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        conn.drainResponses();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        conn.flushClient();
        ctx.fireChannelReadComplete();
    }
}
