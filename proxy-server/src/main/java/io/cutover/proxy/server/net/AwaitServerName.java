package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Last in the pipeline under listener.tls.sni until the server name is known: the connection's
 * target, and so its request path, depends on it. Holds back the channel-active event (the
 * connection limiter's admission) and, once {@link ServerNameRouter} has chosen, builds the request
 * path behind itself, passes the event on to it, and leaves.
 */
final class AwaitServerName extends ChannelInboundHandlerAdapter {
    /** Builds the request path of a connection whose target is known. */
    @FunctionalInterface
    interface RequestPath {
        void install(ChannelHandlerContext at, UpstreamTarget target, boolean bootstrapListener);
    }

    private final RequestPath path;
    private boolean admitted;

    AwaitServerName(RequestPath path) {
        this.path = path;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        admitted = true;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ServerNameRouter.Routed routed) {
            if (admitted && ctx.channel().isActive()) {
                path.install(ctx, routed.target(), routed.bootstrapListener());
                ctx.fireChannelActive();
            }
            ctx.pipeline().remove(this);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
