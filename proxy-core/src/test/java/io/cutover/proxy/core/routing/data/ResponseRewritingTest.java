package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.rewrite.ErrorCounter;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** Whole frames in, whole frames out: what the server's rewrite handler sees. */
class ResponseRewritingTest {
    private final ResponseRewriting rewriting = new ResponseRewriting();
    private final RewriteContext target = TargetContexts.plain();

    @Test
    void onlyResponsesThatMustChangeAreDecoded() {
        ProduceResponseData withHint = new ProduceResponseData();
        withHint.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(1).setHost("h").setPort(1));
        ByteBuf hinted = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 1, ApiKeys.PRODUCE, (short) 10, withHint);
        ByteBuf plain = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 1, ApiKeys.PRODUCE, (short) 10, new ProduceResponseData());
        try {
            assertTrue(rewriting.needsRewrite(hinted, ApiKeys.PRODUCE.id, (short) 10, target, null));
            assertFalse(rewriting.needsRewrite(plain, ApiKeys.PRODUCE.id, (short) 10, target, null), "no hint: the bytes pass as they are");
            assertFalse(rewriting.needsRewrite(plain, ApiKeys.PRODUCE.id, (short) 9, target, null));
            assertFalse(rewriting.needsRewrite(plain, ApiKeys.OFFSET_COMMIT.id, ApiKeys.OFFSET_COMMIT.latestVersion(), target, null));
            assertFalse(rewriting.needsRewrite(plain, ApiKeys.LIST_OFFSETS.id, ApiKeys.LIST_OFFSETS.latestVersion(), target, null));
            RewriteContext routing = new RewriteContext("target", target.nodes(), ErrorCounter.NONE, target.topicIds(), true);
            assertTrue(rewriting.needsRewrite(plain, ApiKeys.LIST_OFFSETS.id, ApiKeys.LIST_OFFSETS.latestVersion(), routing, null),
                "epochs are withheld when routing");
            assertTrue(rewriting.needsRewrite(plain, ApiKeys.OFFSET_COMMIT.id, (short) 2, target, new Misrouted()));
        } finally {
            hinted.release();
            plain.release();
        }
    }

    @Test
    void anUnchangedFetchFrameIsForwardedAsTheSameBuffer() {
        FetchResponseData fetch = new FetchResponseData();
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("t")
            .setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0))));
        short v = 17;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 9, ApiKeys.FETCH, v, fetch);
        try {
            assertSame(frame, rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.FETCH.id, v, target, null));
        } finally {
            frame.release();
        }
    }

    @Test
    void aRewrittenFrameKeepsItsCorrelationIdAndDecodes() {
        ProduceResponseData m = new ProduceResponseData();
        m.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(1).setHost("broker-1.internal").setPort(9092));
        short v = 12;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 77, ApiKeys.PRODUCE, v, m);
        ByteBuf out = rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.PRODUCE.id, v, target, null);
        try {
            assertNotSame(frame, out);
            assertEquals(77, ResponseFrames.correlationId(out));
            assertEquals(out.readableBytes() - 4, out.getInt(out.readerIndex()), "size prefix matches");
            ProduceResponseData decoded = (ProduceResponseData) MessageCodec.decodeResponse(out, ApiKeys.PRODUCE, v);
            assertEquals(TargetContexts.PROXY_HOST, decoded.nodeEndpoints().find(1001).host());
        } finally {
            frame.release();
            out.release();
        }
    }

    @Test
    void aFetchAnswerWithALeaderHintIsRewrittenInFull() {
        io.cutover.proxy.core.virtual.TopicIds ids = new io.cutover.proxy.core.virtual.TopicIds();
        org.apache.kafka.common.Uuid real = org.apache.kafka.common.Uuid.randomUuid();
        ids.learn("target", "orders", real);
        RewriteContext routing = TargetContexts.virtualising(ids);
        FetchResponseData fetch = new FetchResponseData();
        FetchResponseData.PartitionData p = new FetchResponseData.PartitionData().setPartitionIndex(0)
            .setErrorCode(org.apache.kafka.common.protocol.Errors.NOT_LEADER_OR_FOLLOWER.code());
        p.currentLeader().setLeaderEpoch(17).setLeaderId(2);
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(real).setPartitions(List.of(p)));
        short v = 17;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 3, ApiKeys.FETCH, v, fetch);
        ByteBuf out = rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.FETCH.id, v, routing, null);
        try {
            assertNotSame(frame, out);
            FetchResponseData decoded = (FetchResponseData) MessageCodec.decodeResponse(out, ApiKeys.FETCH, v);
            assertEquals(ids.virtualId("orders"), decoded.responses().get(0).topicId());
            assertEquals(-1, decoded.responses().get(0).partitions().get(0).currentLeader().leaderEpoch());
            assertEquals(1002, decoded.responses().get(0).partitions().get(0).currentLeader().leaderId());
        } finally {
            frame.release();
            out.release();
        }
    }

    @Test
    void aVirtualisedFetchAnswerCarriesVirtualTopicIdsAndNoEpochs() {
        io.cutover.proxy.core.virtual.TopicIds ids = new io.cutover.proxy.core.virtual.TopicIds();
        org.apache.kafka.common.Uuid real = org.apache.kafka.common.Uuid.randomUuid();
        ids.learn("target", "orders", real);
        RewriteContext routing = TargetContexts.virtualising(ids);
        org.apache.kafka.common.record.internal.MemoryRecords records = org.apache.kafka.common.record.internal.MemoryRecords.withRecords(
            (byte) 2, 0L, org.apache.kafka.common.compress.Compression.NONE, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
            -1L, (short) -1, -1, 17, false, new org.apache.kafka.common.record.internal.SimpleRecord("v".getBytes()));
        FetchResponseData fetch = new FetchResponseData();
        FetchResponseData.PartitionData p = new FetchResponseData.PartitionData().setPartitionIndex(0).setRecords(records);
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(real).setPartitions(List.of(p)));
        short v = 17;
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 3, ApiKeys.FETCH, v, fetch);
        ByteBuf out = rewriting.rewrite(UnpooledByteBufAllocator.DEFAULT, frame, ApiKeys.FETCH.id, v, routing, null);
        try {
            assertSame(frame, out, "written over in place, not re-encoded");
            FetchResponseData decoded = (FetchResponseData) MessageCodec.decodeResponse(out, ApiKeys.FETCH, v);
            assertEquals(ids.virtualId("orders"), decoded.responses().get(0).topicId());
            FetchResponseData.PartitionData dp = decoded.responses().get(0).partitions().get(0);
            var batch = ((org.apache.kafka.common.record.internal.MemoryRecords) dp.records()).batches().iterator().next();
            assertEquals(-1, batch.partitionLeaderEpoch(), "the batch header's epoch is withheld too");
            batch.ensureValid(); // the CRC still holds: partitionLeaderEpoch is outside it
        } finally {
            frame.release();
            if (out != frame) {
                out.release();
            }
        }
    }
}
