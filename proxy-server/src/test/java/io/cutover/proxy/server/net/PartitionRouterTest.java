package io.cutover.proxy.server.net;

import static io.cutover.proxy.server.net.HandlerFixture.readResponse;
import static io.cutover.proxy.server.net.HandlerFixture.requestFrame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.data.Misrouted;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PartitionRouterTest {
    private static final short V9 = 9;
    /** "moved" routes to the target; everything else stays on the source. */
    static final RouteTable MOVED_TO_TARGET = RouteTable.initial()
        .withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "moved", ClientSelector.ANY, "target"));

    private final EmbeddedChannel client = HandlerFixture.clientChannel();

    private void router(HandlerFixture fixture) {
        ClientSession session = fixture.session(client);
        client.pipeline().addLast(new PartitionRouter(session, new ResponseQueue(session, new ReadGate(client, 0))));
    }

    @AfterEach
    void releaseAll() {
        client.finishAndReleaseAll();
    }

    static ProduceRequestData produce(String... topics) {
        ProduceRequestData produce = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        for (String t : topics) {
            var data = new ProduceRequestData.TopicProduceData().setName(t);
            data.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(t.getBytes()))));
            produce.topicData().add(data);
        }
        return produce;
    }

    @Test
    void aProduceForATopicRoutedToTheOtherClusterIsAnsweredNotLeaderHere() {
        router(HandlerFixture.twoClusters(MOVED_TO_TARGET));
        RequestFrame request = requestFrame(produce("moved"), V9, 5);
        ByteBuf bytes = request.frame();
        client.writeInbound(request);

        assertNull(client.readInbound(), "nothing goes upstream");
        assertEquals(0, bytes.refCnt(), "the request was released");
        ProduceResponseData answer = readResponse(client, ApiKeys.PRODUCE, V9, ProduceResponseData.class);
        var topic = answer.responses().iterator().next();
        assertEquals("moved", topic.name());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), topic.partitionResponses().get(0).errorCode());
    }

    @Test
    void aMixedProduceGoesOnWithoutTheMovedPartitionsAndTheResponseIsToReportThem() {
        router(HandlerFixture.twoClusters(MOVED_TO_TARGET));
        client.writeInbound(requestFrame(produce("stays", "moved"), V9, 5));

        RequestFrame forwarded = client.readInbound();
        assertTrue(forwarded.isBodyChanged());
        ProduceRequestData sent = (ProduceRequestData) forwarded.decodedOrNull();
        assertEquals(List.of("stays"), sent.topicData().stream().map(ProduceRequestData.TopicProduceData::name).toList());
        Misrouted misrouted = assertInstanceOf(ResponseFixup.MisroutedPartitions.class, forwarded.fixup()).misrouted();
        assertEquals(1, misrouted.partitions().size());
        assertEquals("moved", misrouted.partitions().get(0).topic());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), misrouted.partitions().get(0).errorCode());
        assertNull(client.readOutbound(), "nothing answered yet: the broker's response carries both");
        forwarded.release();
    }

    @Test
    void aProduceThatStaysGoesOnUnchanged() {
        router(HandlerFixture.twoClusters(MOVED_TO_TARGET));
        RequestFrame request = requestFrame(produce("stays"), V9, 5);
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertFalse(request.isBodyChanged());
        assertNull(request.fixup());
        request.release();
    }

    @Test
    void withOneClusterEverythingPassesUndecoded() {
        HandlerFixture fixture = HandlerFixture.oneCluster();
        router(fixture);
        RequestFrame request = requestFrame(produce("moved"), V9, 5);
        client.writeInbound(request);

        assertSame(request, client.readInbound());
        assertFalse(request.isDecoded());
        assertNull(request.fixup());
        assertFalse(new PartitionRouter(fixture.session(client), new RecordingPeers()).needsBody(ApiKeys.PRODUCE, V9));
        request.release();
    }
}
