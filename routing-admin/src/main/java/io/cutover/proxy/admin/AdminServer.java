package io.cutover.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;

/** The admin HTTP endpoint, on its own port, on Netty's HTTP codec. */
public final class AdminServer implements AutoCloseable {
    /** Admin request bodies are small JSON documents; anything larger is refused with 413. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    private final Channel channel;

    private AdminServer(Channel channel) {
        this.channel = channel;
    }

    /** Makes the TLS handler of one admin connection (HTTPS); the proxy's listener TLS, with its certificate reloads. */
    @FunctionalInterface
    public interface Tls {
        ChannelHandler newHandler(ByteBufAllocator alloc);
    }

    public static AdminServer start(String host, int port, AdminRouter router, EventLoopGroup group,
                                    Class<? extends ServerChannel> channelClass) {
        return start(host, port, router, group, channelClass, null);
    }

    /** With {@code tls} non-null, HTTPS only: a connection that does not begin a TLS handshake is closed. */
    public static AdminServer start(String host, int port, AdminRouter router, EventLoopGroup group,
                                    Class<? extends ServerChannel> channelClass, Tls tls) {
        ServerBootstrap b = new ServerBootstrap()
            .group(group)
            .channel(channelClass)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (tls != null) {
                        ch.pipeline().addLast("tls", tls.newHandler(ch.alloc())).addLast("tls-refusals", new AdminTlsRefusals());
                    }
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("keep-alive", new HttpServerKeepAliveHandler())
                        .addLast("aggregate", new BoundedBodyAggregator(MAX_BODY_BYTES))
                        .addLast("admin", new AdminHttpHandler(router));
                }
            });
        Channel ch = b.bind(host, port).syncUninterruptibly().channel();
        return new AdminServer(ch);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
