package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.correlationIdsSent;
import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static io.cutover.proxy.server.net.HandlerFixture.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ResponseCorrelator and ResponseSequencer over a real ResponseQueue: upstream responses meet the proxy's own answers. */
class ResponsePathTest {
    private static final short METADATA_V12 = 12;

    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final ClientSession session = fixture.session(client);
    private final ResponseQueue responses = new ResponseQueue(session, new ReadGate(client, 0));
    private final EmbeddedChannel upstream = new EmbeddedChannel(new ResponseCorrelator(session, responses),
        new ResponseSequencer(responses));

    @AfterEach
    void releaseAll() {
        responses.releaseAll();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    /** A request as the forwarder sends it: a slot awaits the broker's response; the bytes went upstream. */
    private void forwarded(int correlationId) {
        RequestFrame request = requestFrame(new MetadataRequestData(), METADATA_V12, correlationId);
        responses.track(request, false);
        request.release();
    }

    private static ByteBuf brokerResponse(int correlationId) {
        return response(ApiKeys.METADATA, METADATA_V12, correlationId, new MetadataResponseData());
    }

    @Test
    void aLocalAnswerReadyFirstWaitsForTheUpstreamResponseAheadOfIt() {
        forwarded(1);
        responses.answer(requestFrame(new ApiVersionsRequestData(), (short) 3, 2), new ApiVersionsResponseData());
        assertEquals(List.of(), correlationIdsSent(client), "the answer to 2 may not overtake 1");

        upstream.writeInbound(brokerResponse(1));

        assertEquals(List.of(1, 2), correlationIdsSent(client));
        assertEquals(0, responses.size());
    }

    @Test
    void upstreamResponsesLeaveInRequestOrder() {
        forwarded(1);
        forwarded(2);
        upstream.writeInbound(brokerResponse(1), brokerResponse(2));
        assertEquals(List.of(1, 2), correlationIdsSent(client));
    }

    @Test
    void aResponseOutOfOrderFailsTheConnection() {
        forwarded(1);
        forwarded(2);
        ByteBuf wrong = brokerResponse(2);

        upstream.writeInbound(wrong);

        assertEquals(0, wrong.refCnt(), "the response was released");
        assertFalse(client.isOpen());
        assertEquals(1, fixture.proxyErrors(ProxyError.UPSTREAM_FAILURE));
        assertEquals(List.of(), correlationIdsSent(client));
    }

    @Test
    void aResponseAfterTheClientLeftIsDropped() {
        forwarded(1);
        session.fail(ProxyError.IDLE_TIMEOUT, "test");
        ByteBuf late = brokerResponse(1);
        upstream.writeInbound(late);
        assertEquals(0, late.refCnt());
        assertTrue(correlationIdsSent(client).isEmpty());
    }
}
