package io.cutover.proxy.core.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LeaderHintsTest {
    private static FetchResponseData fetch(int leader, int preferred, boolean endpoints) {
        FetchResponseData.PartitionData p = new FetchResponseData.PartitionData().setPartitionIndex(0).setPreferredReadReplica(preferred)
            .setAbortedTransactions(List.of(new FetchResponseData.AbortedTransaction().setProducerId(4).setFirstOffset(2)))
            .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("key".getBytes(), "value".getBytes())));
        p.currentLeader().setLeaderId(leader).setLeaderEpoch(3);
        FetchResponseData f = new FetchResponseData().setSessionId(7);
        f.responses().add(new FetchResponseData.FetchableTopicResponse().setTopicId(Uuid.randomUuid()).setTopic("t")
            .setPartitions(List.of(p, new FetchResponseData.PartitionData().setPartitionIndex(1).setRecords(MemoryRecords.EMPTY))));
        if (endpoints) {
            f.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost("broker").setPort(9092));
        }
        return f;
    }

    private static boolean present(FetchResponseData f, short version) {
        ByteBuf frame = MessageCodec.encodeResponse(UnpooledByteBufAllocator.DEFAULT, 1, ApiKeys.FETCH, version, f);
        try {
            return LeaderHints.present(frame, ApiKeys.FETCH.id, version);
        } finally {
            frame.release();
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {16, 17, 18})
    void findsEachKindOfHintAndNothingElse(short version) {
        assertEquals(false, present(fetch(-1, -1, false), version), "a plain answer");
        assertEquals(true, present(fetch(2, -1, false), version), "a current leader");
        assertEquals(true, present(fetch(-1, 1, false), version), "a preferred read replica");
        assertEquals(true, present(fetch(-1, -1, true), version), "node endpoints");
    }
}
