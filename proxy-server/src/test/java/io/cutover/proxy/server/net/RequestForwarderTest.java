package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.wire.FrameException;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RequestForwarder, the end of the client side: how each failure on the client's channel is judged
 * (a bad frame is counted under its own code, a reset is just a goodbye, anything else is counted as
 * a malformed frame), and a client that hangs up in the middle of a request is counted as such.
 */
class RequestForwarderTest {
    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final KafkaFrameDecoder frames = new KafkaFrameDecoder(1024 * 1024, RequestFrames.MIN_FRAME_BYTES, "request");

    private void install() {
        ConnectionPair pair = new ConnectionPair(fixture.session(client));
        client.pipeline().addLast("frames", frames);
        // No upstream here: channelActive (which would open one) has fired before the handlers were added.
        client.pipeline().addLast("forwarder", new RequestForwarder(pair, frames, null));
    }

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
    }

    @Test
    void aBadFrameClosesTheConnectionUnderItsOwnCode() {
        install();
        client.pipeline().fireExceptionCaught(new DecoderException(new FrameException(ProxyError.FRAME_TOO_LARGE, "frame of 2 GiB")));
        assertFalse(client.isActive());
        assertEquals(1, fixture.proxyErrors(ProxyError.FRAME_TOO_LARGE));
        assertEquals(0, fixture.proxyErrors(ProxyError.MALFORMED_FRAME));
    }

    @Test
    void aResetClosesTheConnectionAndCountsNothing() {
        install();
        client.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
        assertFalse(client.isActive());
        for (ProxyError e : ProxyError.values()) {
            assertEquals(0, fixture.proxyErrors(e), e.name());
        }
    }

    @Test
    void anyOtherFailureIsCountedAsAMalformedFrame() {
        install();
        client.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
        assertFalse(client.isActive());
        assertEquals(1, fixture.proxyErrors(ProxyError.MALFORMED_FRAME));
    }

    @Test
    void aClientThatHangsUpInTheMiddleOfARequestIsCounted() {
        install();
        // A frame announcing 100 bytes, of which only 3 arrive.
        client.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 100, 0, 3, 0}));
        client.close();
        assertEquals(1, fixture.proxyErrors(ProxyError.CLIENT_DISCONNECTED_MID_REQUEST));
    }

    @Test
    void aClientThatHangsUpBetweenRequestsIsNotCounted() {
        install();
        client.close();
        assertEquals(0, fixture.proxyErrors(ProxyError.CLIENT_DISCONNECTED_MID_REQUEST));
    }
}
