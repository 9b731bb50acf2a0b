package io.cutover.proxy.server.upstream;

import io.cutover.proxy.server.wire.Transport;
import io.cutover.proxy.server.wire.Watermarks;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Opens a client connection's upstream channel: tries each known address of the broker (or of the
 * cluster, for the bootstrap listener) in turn, on the client's own event loop so that both
 * channels of a pair are served by one thread and share state without locks.
 */
public final class UpstreamConnector implements UpstreamDialer {
    private final Transport transport;
    private final int connectTimeoutMillis;

    public UpstreamConnector(Transport transport, Duration connectTimeout) {
        this.transport = transport;
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
    }

    @Override
    public void connect(EventLoop loop, List<InetSocketAddress> addresses, ChannelHandler initializer, BooleanSupplier abandoned,
                        Outcome outcome) {
        attempt(loop, addresses, 0, null, initializer, abandoned, outcome);
    }

    private void attempt(EventLoop loop, List<InetSocketAddress> addresses, int index, Throwable lastFailure, ChannelHandler initializer,
                         BooleanSupplier abandoned, Outcome outcome) {
        if (abandoned.getAsBoolean()) {
            return;
        }
        if (index >= addresses.size()) {
            outcome.unreachable(hostPorts(addresses), lastFailure);
            return;
        }
        Bootstrap b = transport.connector(loop, connectTimeoutMillis)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Watermarks.DEFAULT)
            .handler(initializer);
        b.connect(addresses.get(index)).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                attempt(loop, addresses, index + 1, f.cause(), initializer, abandoned, outcome);
            } else if (abandoned.getAsBoolean()) {
                f.channel().close();
            } else {
                outcome.connected(f.channel());
            }
        });
    }

    private static String hostPorts(List<InetSocketAddress> addresses) {
        StringBuilder sb = new StringBuilder();
        for (InetSocketAddress a : addresses) {
            sb.append(sb.length() == 0 ? "" : ", ").append(a.getHostString()).append(':').append(a.getPort());
        }
        return sb.toString();
    }
}
