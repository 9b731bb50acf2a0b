package io.cutover.proxy.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Matches each response from upstream to the request it answers, and passes on that request's slot. */
final class ResponseCorrelator extends ChannelInboundHandlerAdapter {
    private final ClientSession session;
    private final ResponseReceiver responses;

    ResponseCorrelator(ClientSession session, ResponseReceiver responses) {
        this.session = session;
        this.responses = responses;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (session.isClosed()) {
            frame.release();
            return;
        }
        InFlightRequest slot = responses.correlate(frame);
        if (slot == null) {
            frame.release();
            return;
        }
        ctx.fireChannelRead(slot);
    }
}
