package io.cutover.proxy.server.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Opens the upstream channel of one client connection; {@link UpstreamConnector} does it over the network. */
public interface UpstreamDialer {
    /** What becomes of one attempt to connect. Called on the client's event loop. */
    interface Outcome {
        void connected(Channel upstream);

        /** No address answered; {@code lastFailure} says why the last one did not. */
        void unreachable(String addresses, Throwable lastFailure);
    }

    /**
     * Connects to the first of {@code addresses} that accepts, on {@code loop}, giving up when
     * {@code abandoned} turns true (the client left meanwhile).
     */
    void connect(EventLoop loop, List<InetSocketAddress> addresses, ChannelHandler initializer, BooleanSupplier abandoned, Outcome outcome);
}
