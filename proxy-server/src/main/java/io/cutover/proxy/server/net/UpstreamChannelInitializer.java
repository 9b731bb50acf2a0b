package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.wire.FrameMemory;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.cutover.proxy.server.security.UpstreamSecurity;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

/**
 * The response side of the request path, one handler per concern: cut frames (and let a large
 * Fetch response's first bytes go on while the rest arrives), match each to its request, note writes that timed out (with two clusters), rewrite what the client must not see as the broker said it, and hand it back in order.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<Channel> {
    private final ClientSession session;
    private final ResponseReceiver responses;
    private final UpstreamEvents events;
    private final FrameMemory memory;

    UpstreamChannelInitializer(ClientSession session, ResponseReceiver responses, UpstreamEvents events, FrameMemory memory) {
        this.session = session;
        this.responses = responses;
        this.events = events;
        this.memory = memory;
    }

    @Override
    protected void initChannel(Channel ch) {
        // As the client this connection alone serves (identity modes mapped and passthrough), else as the proxy.
        UpstreamSecurity.install(ch.pipeline(), session.proxy().config().clusters().get(session.cluster()).security(),
            session.upstreamCredentials());
        var limits = session.proxy().config().limits();
        var frames = new KafkaFrameDecoder(limits.maxResponseFrameBytes(), ResponseFrames.MIN_FRAME_BYTES, "response", memory);
        FetchStreamer streamer = null;
        if (limits.streamFetchResponses()) {
            streamer = new FetchStreamer(session, responses);
            frames.partialFrames(streamer, FetchStreamer.MIN_FRAME_BYTES);
        }
        ch.pipeline()
            .addLast("frame-decoder", frames)
            .addLast("correlator", new ResponseCorrelator(session, responses));
        if (session.rewriteContext().virtualize()) {
            ch.pipeline().addLast("uncertain-writes", new UncertainWriteRecorder(session));
        }
        ch.pipeline()
            .addLast("rewriter", new ResponseRewriteHandler(session, streamer))
            .addLast("sequencer", new ResponseSequencer(responses))
            .addLast("lifecycle", new UpstreamLifecycle(events));
    }
}
