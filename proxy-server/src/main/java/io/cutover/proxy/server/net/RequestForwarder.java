package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.ProduceRequestFrames;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The end of the client pipeline: forwards each request upstream as the bytes it arrived as, and
 * ties the client channel's lifecycle to the connection pair.
 */
final class RequestForwarder extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private final KafkaFrameDecoder frames;

    RequestForwarder(ProxyConnection conn, KafkaFrameDecoder frames) {
        this.conn = conn;
        this.frames = frames;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        conn.start();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        short apiKey = RequestFrames.apiKey(frame);
        short version = RequestFrames.apiVersion(frame);
        int correlationId = RequestFrames.correlationId(frame);
        boolean expectsResponse;
        try {
            // acks=0: the broker sends nothing back, so there is no slot to wait on.
            expectsResponse = apiKey != ApiKeys.PRODUCE.id || ProduceRequestFrames.acks(frame) != 0;
        } catch (RuntimeException e) {
            conn.refuseMalformed(frame, "Produce request", e);
            return;
        }
        conn.forward(frame, apiKey, version, correlationId, expectsResponse);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        conn.flushUpstream();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        conn.clientWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (frames.endedMidFrame() && !conn.isClosed()) {
            conn.context().metrics().proxyError(ProxyError.CLIENT_DISCONNECTED_MID_REQUEST);
            conn.context().connectionLog().info("{} disconnected in the middle of a request", conn.describeClient());
        }
        conn.clientClosed(true);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof FrameException fe) {
            conn.fail(fe.error(), fe.getMessage());
        } else if (root instanceof java.io.IOException) {
            // Connection reset and the like: the client went away; nothing to report beyond closing.
            ctx.close();
            conn.clientClosed();
        } else {
            conn.fail(ProxyError.MALFORMED_FRAME, "unexpected error on the client side: " + root);
        }
    }
}
