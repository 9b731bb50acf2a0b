package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.wire.FrameException;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** UpstreamLifecycle: what happens to the upstream channel reaches the connection pair, once, in words an operator can use. */
class UpstreamLifecycleTest {
    /** The events the pair was told of, in order. */
    private final List<String> events = new ArrayList<>();
    private final EmbeddedChannel upstream = new EmbeddedChannel(new UpstreamLifecycle(new UpstreamEvents() {
        @Override
        public void upstreamWritabilityChanged() {
            events.add("writability");
        }

        @Override
        public void upstreamClosed() {
            events.add("closed");
        }

        @Override
        public void upstreamFailed(String reason) {
            events.add("failed: " + reason);
        }
    }));

    @AfterEach
    void releaseAll() {
        upstream.finishAndReleaseAll();
    }

    @Test
    void writabilityAndCloseReachThePair() {
        upstream.pipeline().fireChannelWritabilityChanged();
        upstream.close();
        assertEquals(List.of("writability", "closed"), events);
    }

    @Test
    void aBrokenResponseFrameIsReportedAsUnusable() {
        upstream.pipeline().fireExceptionCaught(new DecoderException(
            new FrameException(ProxyError.MALFORMED_FRAME, "frame of -3 bytes")));
        assertEquals(List.of("failed: unusable response from upstream: frame of -3 bytes"), events);
    }

    @Test
    void anUndecodableResponseIsReportedAsUnusable() {
        upstream.pipeline().fireExceptionCaught(new MalformedFrameException("Metadata v12 ends early"));
        assertEquals(List.of("failed: unusable response from upstream: Metadata v12 ends early"), events);
    }

    @Test
    void runningOutOfProxyPortsIsReportedAsItself() {
        upstream.pipeline().fireExceptionCaught(new NodeRegistry.NoFreePortException("no free proxy port left in 9193..9194"));
        assertEquals(List.of("failed: no free proxy port left in 9193..9194"), events);
    }

    @Test
    void anyOtherFailureIsAFailedConnection() {
        upstream.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertEquals(List.of("failed: upstream connection failed: java.io.IOException: Connection reset by peer"), events);
    }
}
