package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.readResponse;
import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.netty.channel.embedded.EmbeddedChannel;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProducerIdRouterTest {
    private static final short V4 = 4;

    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    private void router(HandlerFixture fixture) {
        ClientSession session = fixture.session(client);
        client.pipeline().addLast(new ProducerIdRouter(session, new ResponseQueue(session, new ReadGate(client, 0))));
    }

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
    }

    private static RequestFrame initProducerId(String transactionalId) {
        return requestFrame(new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000)
            .setProducerId(-1).setProducerEpoch((short) -1), V4, 11);
    }

    @Test
    void anIdempotentProducerGetsARealIdOfTheSource() {
        HandlerFixture fixture = HandlerFixture.twoClusters(RouteTable.initial());
        fixture.realIds.get("target").add(new ProducerIdMapper.RealProducer(900, (short) 0));
        fixture.realIds.get("source").add(new ProducerIdMapper.RealProducer(4_711, (short) 2));
        router(fixture);
        client.writeInbound(initProducerId(null));

        assertNull(client.readInbound(), "answered here, not upstream");
        InitProducerIdResponseData answer = readResponse(client, ApiKeys.INIT_PRODUCER_ID, V4, InitProducerIdResponseData.class);
        assertEquals(Errors.NONE.code(), answer.errorCode());
        assertEquals(4_711, answer.producerId());
        assertEquals(2, answer.producerEpoch());
        assertTrue(fixture.realIds.get("source").isEmpty(), "the id was taken");
        assertEquals(1, fixture.realIds.get("target").size(), "the target's ids are not the client's");
    }

    @Test
    void withNoRealIdAtHandTheProducerIsToldToRetry() {
        router(HandlerFixture.twoClusters(RouteTable.initial()));
        client.writeInbound(initProducerId(null));

        InitProducerIdResponseData answer = readResponse(client, ApiKeys.INIT_PRODUCER_ID, V4, InitProducerIdResponseData.class);
        assertEquals(Errors.COORDINATOR_LOAD_IN_PROGRESS.code(), answer.errorCode());
        assertEquals(-1, answer.producerId());
    }

    @Test
    void aTransactionalInitProducerIdGoesToItsCoordinatorMarkedForTheAnswer() {
        router(HandlerFixture.twoClusters(RouteTable.initial()));
        client.writeInbound(initProducerId("txn-1"));

        RequestFrame forwarded = client.readInbound();
        var fixup = assertInstanceOf(ResponseFixup.TransactionalInit.class, forwarded.fixup());
        assertEquals("txn-1", fixup.transactionalId());
        assertEquals(60_000, fixup.transactionTimeoutMs());
        assertTrue(fixup.endsTransaction());
        assertNull(client.readOutbound());
        forwarded.release();
    }

    @Test
    void withOneClusterInitProducerIdGoesUpstreamUntouched() {
        HandlerFixture fixture = HandlerFixture.oneCluster();
        fixture.realIds.get("source").add(new ProducerIdMapper.RealProducer(4_711, (short) 2));
        router(fixture);
        RequestFrame request = initProducerId(null);
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertFalse(request.isDecoded());
        assertEquals(1, fixture.realIds.get("source").size());
        request.release();
    }
}
