package io.cutover.proxy.server.wire;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Native epoll where the platform has it, NIO elsewhere; and how the proxy opens connections to
 * brokers, with their host names looked up off the event loops ({@link HostLookups}).
 */
public final class Transport {
    private final boolean epoll;
    private final HostLookups lookups;

    private Transport(boolean epoll, HostLookups lookups) {
        this.epoll = epoll;
        this.lookups = lookups;
    }

    public static Transport best() {
        return new Transport(Epoll.isAvailable() && !Boolean.getBoolean("cutover.proxy.nio"), new HostLookups());
    }

    /**
     * A bootstrap for connections to brokers on {@code group}: no Nagle delay (requests are written
     * whole and flushed once per read), keepalive so the kernel notices, eventually, a broker host
     * that vanished while a connection sat idle, and host names looked up off the event loop.
     */
    public Bootstrap connector(EventLoopGroup group, int connectTimeoutMillis) {
        return new Bootstrap()
            .group(group)
            .channel(channel())
            .resolver(lookups)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMillis);
    }

    /** Host names being looked up now or waiting for a turn. */
    public int hostLookupsPending() {
        return lookups.pending();
    }

    public EventLoopGroup newGroup(int threads) {
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, factory);
    }

    public Class<? extends ServerSocketChannel> serverChannel() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> channel() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public String name() {
        return epoll ? "epoll" : "nio";
    }
}
