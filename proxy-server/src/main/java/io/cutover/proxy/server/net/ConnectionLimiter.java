package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Closes a new connection at once when limits.max-connections are already open, or
 * limits.max-connections-per-address from its peer address, or when the proxy drains (one accepted
 * in the instant before the listeners closed).
 */
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private final ProxyContext proxy;
    private final ConnectionCounts counts;
    private InetAddress counted;

    ConnectionLimiter(ProxyContext proxy, ConnectionCounts counts) {
        this.proxy = proxy;
        this.counts = counts;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
        InetAddress address = remote == null ? InetAddress.getLoopbackAddress() : remote.getAddress();
        if (proxy.connections().draining()) {
            proxy.connectionLog().info("refusing connection from {}: the proxy is draining", remote);
            ctx.close();
            return;
        }
        ConnectionCounts.Refusal refused = counts.open(address);
        if (refused != null) {
            proxy.metrics().proxyError(ProxyError.CONNECTION_LIMIT);
            if (refused == ConnectionCounts.Refusal.TOTAL) {
                proxy.connectionLog().warn("refusing connection from {}: {} connections are open, the limit (limits.max-connections)",
                    remote, counts.maxTotal());
            } else {
                proxy.connectionLog().warn("refusing connection from {}: {} connections from {} are open, the limit "
                    + "(limits.max-connections-per-address)", remote, counts.maxPerAddress(), address.getHostAddress());
            }
            ctx.close();
            return;
        }
        counted = address;
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted != null) {
            counts.close(counted);
            counted = null;
        }
        ctx.fireChannelInactive();
    }
}
