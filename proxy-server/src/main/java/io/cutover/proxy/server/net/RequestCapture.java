package io.cutover.proxy.server.net;

import io.cutover.proxy.core.capture.Capture;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Hands each request, as the client sent it, to the running capture. With no capture running
 * this is one volatile read per frame.
 */
final class RequestCapture extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;

    RequestCapture(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Capture capture = conn.context().captures().active();
        if (capture != null) {
            try {
                conn.captureRequest(capture, (ByteBuf) msg);
            } catch (RuntimeException e) {
                conn.refuseMalformed((ByteBuf) msg, "request", e);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }
}
