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
import java.util.List;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    private static final short COMMIT_VERSION = 9;

    private static RequestFrame commit(String group, int memberEpoch) {
        return requestFrame(new OffsetCommitRequestData().setGroupId(group).setMemberId("m-1").setGenerationIdOrMemberEpoch(memberEpoch)
            .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("orders").setPartitions(List.of(
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5601),
                new OffsetCommitRequestData.OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(13995))))),
            COMMIT_VERSION, 11);
    }

    /**
     * Its offsets are positions on the cluster the group left: NOT_COORDINATOR would have the client
     * retry them on the target, over the offsets a switch carried there. Every partition fails, for good.
     */
    @ParameterizedTest(name = "member epoch {0}")
    @ValueSource(ints = {7, -1})
    void anOffsetCommitForAGroupThatMovedFailsAsFromAMemberItNoLongerHas(int memberEpoch) {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        client.writeInbound(commit("billing", memberEpoch));

        assertNull(client.readInbound(), "the commit went to no cluster");
        OffsetCommitResponseData answer = readResponse(client, ApiKeys.OFFSET_COMMIT, COMMIT_VERSION, OffsetCommitResponseData.class);
        assertEquals(2, answer.topics().get(0).partitions().size());
        answer.topics().get(0).partitions().forEach(p ->
            assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), p.errorCode(), "partition " + p.partitionIndex()));
    }

    /** Reading offsets is harmless: the client is sent to the coordinator that has them now. */
    @Test
    void anOffsetFetchForAGroupThatMovedIsAnsweredNotCoordinator() {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        client.writeInbound(requestFrame(new OffsetFetchRequestData().setGroups(List.of(
            new OffsetFetchRequestData.OffsetFetchRequestGroup().setGroupId("billing").setMemberId("m-1").setMemberEpoch(7)
                .setTopics(null))), COMMIT_VERSION, 12));

        assertNull(client.readInbound());
        OffsetFetchResponseData answer = readResponse(client, ApiKeys.OFFSET_FETCH, COMMIT_VERSION, OffsetFetchResponseData.class);
        assertEquals(Errors.NOT_COORDINATOR.code(), answer.groups().get(0).errorCode());
    }

    @Test
    void anOffsetCommitForAGroupThatStaysGoesOn() {
        router(HandlerFixture.twoClusters(GROUP_MOVED));
        RequestFrame request = commit("shipping", 7);
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertNull(client.readOutbound());
        request.release();
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
