package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.security.UpstreamSecurity;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * The upstream side of the response path: cut frames, match each to its request, rewrite the ones
 * that carry addresses or versions, and hand them to the client in request order.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {
    private final ProxyConnection conn;

    UpstreamChannelInitializer(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    protected void initChannel(Channel ch) {
        UpstreamSecurity.install(ch.pipeline(), conn.context().config().clusters().get(conn.cluster()).security());
        ch.pipeline()
            .addLast("frame-decoder", new KafkaFrameDecoder(conn.context().config().limits().maxResponseFrameBytes(),
                ResponseFrames.MIN_FRAME_BYTES, "response"))
            .addLast("correlator", new ResponseCorrelator(conn))
            .addLast("rewriter", new ResponseRewriteHandler(conn))
            .addLast("sequencer", new ResponseSequencer(conn))
            .addLast("lifecycle", new UpstreamLifecycle(conn));
    }
}
