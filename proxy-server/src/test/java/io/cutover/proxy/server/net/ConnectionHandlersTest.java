package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The small per-connection handlers: ConnectionLimiter, IdleConnectionCloser, ApiVersionsResponder. */
class ConnectionHandlersTest {
    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
    }

    @Test
    void aConnectionPastTheLimitIsClosedAndCountedAndLeavingFreesItsPlace() {
        ConnectionCounts counts = new ConnectionCounts(1, 1);
        client.pipeline().addLast(new ConnectionLimiter(fixture.proxy, counts));
        client.pipeline().fireChannelActive();
        assertTrue(client.isOpen());
        assertEquals(1, counts.total());

        EmbeddedChannel second = HandlerFixture.clientChannel();
        second.pipeline().addLast(new ConnectionLimiter(fixture.proxy, counts));
        second.pipeline().fireChannelActive();
        assertFalse(second.isOpen());
        assertEquals(1, fixture.proxyErrors(ProxyError.CONNECTION_LIMIT));
        assertEquals(1, counts.total(), "a refused connection is not counted");

        client.close();
        assertEquals(0, counts.total());
    }

    @Test
    void anIdleConnectionIsClosedAndCounted() {
        client.pipeline().addLast(new IdleConnectionCloser(fixture.session(client)));
        client.pipeline().fireUserEventTriggered("some other event");
        assertTrue(client.isOpen());

        client.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
        assertFalse(client.isOpen());
        assertEquals(1, fixture.proxyErrors(ProxyError.IDLE_TIMEOUT));
    }

    @Test
    void aTooNewApiVersionsIsAnsweredV0UnsupportedVersion() {
        ClientSession session = fixture.session(client);
        client.pipeline().addLast(new ApiVersionsResponder(new ResponseQueue(session, new ReadGate(client, 0))));
        short tooNew = (short) (ApiKeys.API_VERSIONS.latestVersion() + 1);
        // Header v2: api key, version, correlation id, null client id, no tagged fields; the body is never read.
        ByteBuf frame = Unpooled.buffer().writeInt(11).writeShort(ApiKeys.API_VERSIONS.id).writeShort(tooNew).writeInt(77)
            .writeShort(-1).writeByte(0);
        client.writeInbound(new RequestFrame(frame, ApiKeys.API_VERSIONS, tooNew, 77));

        assertNull(client.readInbound());
        assertEquals(0, frame.refCnt());
        ByteBuf sent = client.readOutbound();
        ApiVersionsResponseData answer;
        try {
            assertEquals(77, sent.getInt(sent.readerIndex() + 4), "correlation id");
            answer = (ApiVersionsResponseData) MessageCodec.decodeResponse(sent, ApiKeys.API_VERSIONS, (short) 0);
        } finally {
            sent.release();
        }
        assertEquals(Errors.UNSUPPORTED_VERSION.code(), answer.errorCode());
        assertFalse(answer.apiKeys().isEmpty(), "the answer names the versions the proxy supports");
    }

    @Test
    void aCurrentApiVersionsPassesOn() {
        client.pipeline().addLast(new ApiVersionsResponder(new RecordingPeers()));
        RequestFrame request = HandlerFixture.requestFrame(new org.apache.kafka.common.message.ApiVersionsRequestData(),
            ApiKeys.API_VERSIONS.latestVersion(), 3);
        client.writeInbound(request);
        assertSame(request, client.readInbound());
        request.release();
    }
}
