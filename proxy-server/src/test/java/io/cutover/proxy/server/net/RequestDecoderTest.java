package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {
    private static final short PRODUCE_V9 = 9;

    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    private void decoder(BodyNeed... needs) {
        client.pipeline().addLast(new RequestDecoder(fixture.session(client), needs));
    }

    private static ProduceRequestData produce() {
        return new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
    }

    /** A frame with a v1 request header (api key, version, correlation id, client id) and {@code body} after it. */
    private static ByteBuf rawFrame(int apiKey, int version, byte[] body) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(0).writeShort(apiKey).writeShort(version).writeInt(42).writeShort(-1).writeBytes(body);
        return frame.setInt(0, frame.readableBytes() - 4);
    }

    private void assertRefused(ByteBuf frame, ProxyError error) {
        assertFalse(client.writeInbound(frame), "nothing passed on");
        assertEquals(0, frame.refCnt(), "the frame was released");
        assertFalse(client.isOpen(), "the connection was closed");
        assertEquals(1, fixture.proxyErrors(error));
    }

    @Test
    void anUnknownApiKeyClosesTheConnection() {
        decoder();
        assertRefused(rawFrame(9_999, 0, new byte[0]), ProxyError.UNKNOWN_API_KEY);
    }

    @Test
    void aVersionOutsideTheAcceptedRangeClosesTheConnection() {
        decoder();
        assertRefused(rawFrame(ApiKeys.PRODUCE.id, 99, new byte[0]), ProxyError.UNSUPPORTED_VERSION);
        assertEquals(0, fixture.proxyErrors(ProxyError.UNKNOWN_API_KEY));
    }

    @Test
    void aHeaderLongerThanItsFrameClosesTheConnection() {
        decoder();
        client.writeInbound(request(new ApiVersionsRequestData(), (short) 3, 1));
        RequestFrame first = client.readInbound();
        first.release();

        // Metadata v1 has a v1 header; its client id claims 10 bytes the frame does not have.
        ByteBuf truncated = Unpooled.buffer();
        truncated.writeInt(10).writeShort(ApiKeys.METADATA.id).writeShort(1).writeInt(2).writeShort(10);
        assertRefused(truncated, ProxyError.MALFORMED_FRAME);
    }

    @Test
    void aRequestNobodyNeedsDecodedPassesOnAsTheClientsBytes() {
        decoder(new Asking(ApiKeys.FETCH));
        ByteBuf frame = request(produce(), PRODUCE_V9, 7);
        client.writeInbound(frame);

        RequestFrame passed = client.readInbound();
        assertEquals(ApiKeys.PRODUCE, passed.api);
        assertEquals(PRODUCE_V9, passed.apiVersion);
        assertEquals(7, passed.correlationId);
        assertFalse(passed.isDecoded());
        assertTrue(passed.frame() == frame, "the client's own frame goes on");
        passed.release();
        assertEquals(0, frame.refCnt());
    }

    @Test
    void aRequestThatAHandlerNeedsArrivesDecoded() {
        Asking produceOnly = new Asking(ApiKeys.PRODUCE);
        decoder(new Asking(ApiKeys.FETCH), produceOnly);
        client.writeInbound(request(produce().setTimeoutMs(1234), PRODUCE_V9, 7));

        RequestFrame passed = client.readInbound();
        assertTrue(passed.isDecoded());
        assertEquals(1234, assertInstanceOf(ProduceRequestData.class, passed.decodedOrNull()).timeoutMs());
        assertEquals(List.of(ApiKeys.PRODUCE + " v" + PRODUCE_V9), produceOnly.asked);
        passed.release();
    }

    @Test
    void aMalformedBodyIsRefusedOnlyWhenSomeHandlerNeedsItDecoded() {
        // Metadata v1: a topic array of 2^31-1 entries, in a frame with two bytes left.
        byte[] garbage = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0, 1};

        EmbeddedChannel lenient = HandlerFixture.clientChannel();
        lenient.pipeline().addLast(new RequestDecoder(fixture.session(lenient)));
        lenient.writeInbound(rawFrame(ApiKeys.METADATA.id, 1, garbage));
        RequestFrame passed = lenient.readInbound();
        assertFalse(passed.isDecoded(), "nobody read the body, so nobody found it malformed");
        passed.release();

        decoder(new Asking(ApiKeys.METADATA));
        assertRefused(rawFrame(ApiKeys.METADATA.id, 1, garbage), ProxyError.MALFORMED_FRAME);
    }

    @Test
    void theFirstRequestNamesTheClient() {
        ClientSession session = fixture.session(client);
        client.pipeline().addFirst(new RequestDecoder(session));
        client.writeInbound(request(new MetadataRequestData(), (short) 12, 1, "billing-7"));
        client.writeInbound(request(new MetadataRequestData(), (short) 12, 2, "someone-else"));
        releaseAll();
        assertEquals("billing-7", session.clientId());
    }

    private void releaseAll() {
        Object m;
        while ((m = client.readInbound()) != null) {
            ((RequestFrame) m).release();
        }
    }

    /** A handler that needs the body of one API, and remembers what it was asked. */
    private static final class Asking implements BodyNeed {
        final ApiKeys api;
        final List<String> asked = new ArrayList<>();

        Asking(ApiKeys api) {
            this.api = api;
        }

        @Override
        public boolean needsBody(ApiKeys requested, short version) {
            if (requested == api) {
                asked.add(requested + " v" + version);
                return true;
            }
            return false;
        }
    }
}
