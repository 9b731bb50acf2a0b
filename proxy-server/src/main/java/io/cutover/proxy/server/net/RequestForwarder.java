package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.wire.DecoderFailure;
import io.cutover.proxy.server.wire.FrameException;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The end of the client side of the request path: sends each request that got this far upstream,
 * flushes once per read, and ties the client channel's lifecycle and writability to the pair.
 */
final class RequestForwarder extends ChannelInboundHandlerAdapter {
    private final ConnectionPair pair;
    private final ClientSession session;
    private final KafkaFrameDecoder frames;
    private final UpstreamChannelInitializer upstreamInitializer;

    RequestForwarder(ConnectionPair pair, KafkaFrameDecoder frames, UpstreamChannelInitializer upstreamInitializer) {
        this.pair = pair;
        this.session = pair.session();
        this.frames = frames;
        this.upstreamInitializer = upstreamInitializer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (session.proxy().config().listener().sasl() != null || CertificateIdentity.needed(session.proxy(),
            session.proxy().config().clusters().get(session.cluster()).security())) {
            pair.awaitLogin();
        } else {
            pair.start(session.proxy().upstreams(), upstreamInitializer);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == ClientSaslAuthenticator.LOGGED_IN) {
            pair.start(session.proxy().upstreams(), upstreamInitializer);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        try {
            // Reads acks of a Produce (acks=0 gets no response, so no slot), and encodes a changed body.
            pair.forward(request);
        } catch (RuntimeException e) {
            session.refuseMalformed(request, e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pair.flushUpstream();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        pair.clientWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (frames.endedMidFrame() && !session.isClosed()) {
            session.proxy().metrics().proxyError(ProxyError.CLIENT_DISCONNECTED_MID_REQUEST);
            session.proxy().connectionLog().info("{} disconnected in the middle of a request", session.describeClient());
        }
        pair.clientClosed(true);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = DecoderFailure.rootOf(cause);
        if (root instanceof FrameException fe) {
            session.fail(fe.error(), fe.getMessage());
        } else if (root instanceof java.io.IOException) {
            // Connection reset and the like: the client went away; nothing to report beyond closing.
            ctx.close();
            pair.clientClosed(false);
        } else {
            session.fail(ProxyError.MALFORMED_FRAME, "unexpected error on the client side: " + root);
        }
    }
}
