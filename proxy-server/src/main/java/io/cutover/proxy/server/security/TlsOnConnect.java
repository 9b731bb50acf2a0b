package io.cutover.proxy.server.security;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * Puts the TLS handler in place when the channel connects, because only then is the broker's address
 * known: its host name is what the certificate is verified against and what SNI names. Initializers
 * thus need no address to install security.
 */
final class TlsOnConnect extends ChannelOutboundHandlerAdapter {
    private final SslContext context;
    private final Duration handshakeTimeout;

    TlsOnConnect(SslContext context, Duration handshakeTimeout) {
        this.context = context;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
        InetSocketAddress address = (InetSocketAddress) remote;
        // getHostString keeps the name the proxy resolved (no reverse lookup), or the literal IP.
        SslHandler tls = context.newHandler(ctx.alloc(), address.getHostString(), address.getPort());
        tls.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        ctx.pipeline().addAfter(ctx.name(), "upstream-tls-engine", tls);
        ctx.connect(remote, local, promise);
        ctx.pipeline().remove(this);
    }
}
