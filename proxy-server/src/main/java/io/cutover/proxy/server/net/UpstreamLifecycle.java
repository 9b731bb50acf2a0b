package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.server.security.UpstreamAuthenticationException;
import io.cutover.proxy.server.security.UpstreamSecurity;
import io.cutover.proxy.server.wire.DecoderFailure;
import io.cutover.proxy.server.wire.FrameException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/** Ties the upstream channel's lifecycle and writability to the connection pair. */
final class UpstreamLifecycle extends ChannelInboundHandlerAdapter {
    private final UpstreamEvents events;

    UpstreamLifecycle(UpstreamEvents events) {
        this.events = events;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        events.upstreamWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        events.upstreamClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == UpstreamSecurity.AUTHENTICATED) {
            events.upstreamAuthenticated();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = DecoderFailure.rootOf(cause);
        if (root instanceof UpstreamAuthenticationException refused) {
            events.upstreamLoginFailed(refused);
            return;
        }
        String what;
        if (root instanceof FrameException || root instanceof MalformedFrameException) {
            what = "unusable response from upstream: " + root.getMessage();
        } else if (root instanceof NodeRegistry.NoFreePortException) {
            what = root.getMessage();
        } else {
            what = "upstream connection failed: " + root;
        }
        events.upstreamFailed(what);
    }
}
