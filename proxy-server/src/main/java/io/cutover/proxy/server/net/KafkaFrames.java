package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandler;

/** Frame decoding for other packages that speak Kafka over their own channels. */
public final class KafkaFrames {
    private KafkaFrames() {
    }

    /** A decoder that emits whole frames, size prefix included; see {@link KafkaFrameDecoder}. */
    public static ChannelHandler decoder(int maxFrameBytes, int minFrameBytes, String what) {
        return new KafkaFrameDecoder(maxFrameBytes, minFrameBytes, what);
    }
}
