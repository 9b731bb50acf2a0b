package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/** Closes a new connection at once when limits.max-connections are already open. */
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private final ProxyContext proxy;
    private final AtomicInteger open;
    private final int max;
    private boolean counted;

    ConnectionLimiter(ProxyContext proxy, AtomicInteger open, int max) {
        this.proxy = proxy;
        this.open = open;
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            proxy.metrics().proxyError(ProxyError.CONNECTION_LIMIT);
            proxy.connectionLog().warn("refusing connection from {}: {} connections are open, the limit (limits.max-connections)",
                ctx.channel().remoteAddress(), max);
            ctx.close();
            return;
        }
        counted = true;
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            open.decrementAndGet();
        }
        ctx.fireChannelInactive();
    }
}
