package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.readResponse;
import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.netty.channel.embedded.EmbeddedChannel;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class CoordinatorRouterTest {
    private static final short V4 = 4;
    private static final RouteTable GROUP_MOVED = RouteTable.initial()
        .withRule(new RouteRule(ResourceType.GROUP, MatchType.EXACT, "billing", ClientSelector.ANY, "target"));

    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    private void router(HandlerFixture fixture) {
        ClientSession session = fixture.session(client);
        client.pipeline().addLast(new CoordinatorRouter(session, new ResponseQueue(session, new ReadGate(client, 0))));
    }

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
    }

    private static RequestFrame heartbeat(String group) {
        return requestFrame(new HeartbeatRequestData().setGroupId(group).setGenerationId(3).setMemberId("m-1"), V4, 8);
    }

    @Test
    void aRequestForAGroupRoutedElsewhereIsAnsweredNotCoordinator() {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        client.writeInbound(heartbeat("billing"));

        assertNull(client.readInbound());
        HeartbeatResponseData answer = readResponse(client, ApiKeys.HEARTBEAT, V4, HeartbeatResponseData.class);
        assertEquals(Errors.NOT_COORDINATOR.code(), answer.errorCode());
    }

    @Test
    void aRequestForAGroupThatStaysGoesOn() {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        RequestFrame request = heartbeat("shipping");
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertNull(client.readOutbound());
        request.release();
    }

    @Test
    void anIdempotentInitProducerIdIsLeftToProducerIdRouter() {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        RequestFrame request = requestFrame(new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(-1)
            .setProducerId(-1).setProducerEpoch((short) -1), V4, 9);
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        request.release();
    }

    @Test
    void withOneClusterEverythingPassesUndecoded() {
        router(HandlerFixture.oneCluster());
        RequestFrame request = heartbeat("billing");
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertFalse(request.isDecoded());
        request.release();
    }
}
