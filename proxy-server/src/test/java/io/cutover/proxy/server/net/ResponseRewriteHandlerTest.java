package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.server.config.ProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ResponseRewriteHandler: the client sees the proxy's brokers, never the cluster's. */
class ResponseRewriteHandlerTest {
    private static final short PRODUCE_V10 = 10;
    private static final short PRODUCE_V9 = 9;

    private final HandlerFixture fixture = HandlerFixture.oneCluster();
    private final EmbeddedChannel client = HandlerFixture.clientChannel();
    private final ClientSession session = fixture.session(client);
    private final EmbeddedChannel upstream = new EmbeddedChannel(new ResponseRewriteHandler(session, null));

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    private static InFlightRequest slot(ApiKeys api, short version, int correlationId, ByteBuf response) {
        InFlightRequest slot = new InFlightRequest();
        slot.set(correlationId, api.id, version, System.nanoTime(), false);
        slot.response = response;
        return slot;
    }

    @Test
    void aLeaderHintNamesTheProxysBrokerAndTheClustersFrameIsReleased() {
        ProduceResponseData fromBroker = new ProduceResponseData();
        fromBroker.responses().add(new ProduceResponseData.TopicProduceResponse().setName("orders").setPartitionResponses(List.of(
            new ProduceResponseData.PartitionProduceResponse().setIndex(0).setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code())
                .setCurrentLeader(new ProduceResponseData.LeaderIdAndEpoch().setLeaderId(2).setLeaderEpoch(5)))));
        fromBroker.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(2).setHost("source-kafka-2").setPort(9092));
        ByteBuf original = response(ApiKeys.PRODUCE, PRODUCE_V10, 11, fromBroker);
        InFlightRequest slot = slot(ApiKeys.PRODUCE, PRODUCE_V10, 11, original);

        upstream.writeInbound(slot);

        assertSame(slot, upstream.readInbound(), "the slot goes on to the sequencer");
        assertNotSame(original, slot.response, "a new frame");
        assertEquals(0, original.refCnt(), "the broker's frame was released");
        assertEquals(11, slot.response.getInt(slot.response.readerIndex() + 4), "correlation id kept");
        ProduceResponseData seen = (ProduceResponseData) MessageCodec.decodeResponse(slot.response, ApiKeys.PRODUCE, PRODUCE_V10);
        slot.clear();
        VirtualNode proxyNode = fixture.proxy.nodeMapper(ProxyConfig.SOURCE).knownNodes().stream()
            .filter(n -> n.upstreamId() == 2).findFirst().orElseThrow();
        ProduceResponseData.NodeEndpoint endpoint = seen.nodeEndpoints().iterator().next();
        assertEquals(proxyNode.id(), endpoint.nodeId());
        assertEquals(fixture.proxy.config().listener().advertisedHost(), endpoint.host());
        assertEquals(proxyNode.port(), endpoint.port());
        ProduceResponseData.PartitionProduceResponse partition = seen.responses().iterator().next().partitionResponses().get(0);
        assertEquals(proxyNode.id(), partition.currentLeader().leaderId(), "the leader is the proxy's node");
        assertEquals(5, partition.currentLeader().leaderEpoch());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), partition.errorCode(), "the error stays for the client to act on");
    }

    @Test
    void aResponseWithNothingToRewritePassesAsTheSameBytes() {
        ProduceResponseData fromBroker = new ProduceResponseData();
        fromBroker.responses().add(new ProduceResponseData.TopicProduceResponse().setName("orders").setPartitionResponses(List.of(
            new ProduceResponseData.PartitionProduceResponse().setIndex(0).setBaseOffset(42))));
        ByteBuf original = response(ApiKeys.PRODUCE, PRODUCE_V9, 12, fromBroker);
        InFlightRequest slot = slot(ApiKeys.PRODUCE, PRODUCE_V9, 12, original);

        upstream.writeInbound(slot);

        assertSame(slot, upstream.readInbound());
        assertSame(original, slot.response);
        assertEquals(1, original.refCnt());
        slot.clear();
        assertEquals(0, original.refCnt());
    }
}
