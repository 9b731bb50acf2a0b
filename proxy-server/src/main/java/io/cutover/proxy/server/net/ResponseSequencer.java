package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Sends answered responses to the client in request order, and flushes once per read from
 * upstream rather than once per response.
 */
final class ResponseSequencer extends ChannelInboundHandlerAdapter {
    private final ResponseReceiver responses;

    ResponseSequencer(ResponseReceiver responses) {
        this.responses = responses;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        responses.deliver();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        responses.flushClient();
        ctx.fireChannelReadComplete();
    }
}
