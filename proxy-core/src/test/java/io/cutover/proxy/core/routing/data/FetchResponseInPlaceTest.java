package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static io.cutover.proxy.core.routing.data.InPlaceResponseFrames.FIRST_BY_ID;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Whole Fetch response frames, as the target sends them, virtualised where they lie. */
class FetchResponseInPlaceTest {
    private static final InPlaceResponseFrames<FetchResponseData> FRAMES =
        new InPlaceResponseFrames<>(ApiKeys.FETCH, FetchResponseInPlace::tryRewrite);

    private final DataScopes scopes = new DataScopes();

    private static MemoryRecords batch(long baseOffset, int leaderEpoch) {
        return MemoryRecords.withRecords((byte) 2, baseOffset, Compression.NONE, TimestampType.CREATE_TIME, -1L, (short) -1, -1,
            leaderEpoch, false, new SimpleRecord(("v" + baseOffset).getBytes()));
    }

    /** Two batches in one partition's records, so the walk must step from one to the next. */
    private static MemoryRecords twoBatches() {
        MemoryRecords a = batch(0, 17);
        MemoryRecords b = batch(1, 18);
        ByteBuffer both = ByteBuffer.allocate(a.sizeInBytes() + b.sizeInBytes());
        both.put(a.buffer().duplicate()).put(b.buffer().duplicate()).flip();
        return MemoryRecords.readableRecords(both);
    }

    private static ByteBuf frame(short version, Consumer<PartitionData> partition) {
        PartitionData p = new PartitionData().setPartitionIndex(0).setHighWatermark(2).setRecords(twoBatches());
        partition.accept(p);
        FetchableTopicResponse t = new FetchableTopicResponse().setPartitions(new ArrayList<>(List.of(p)));
        InPlaceResponseFrames.nameTopic(version, t::setTopicId, ORDERS_ON_TARGET, t::setTopic);
        return FRAMES.encode(version, new FetchResponseData().setResponses(new ArrayList<>(List.of(t))));
    }

    @ParameterizedTest
    @ValueSource(shorts = {4, 11, 12, 13, 16, 17})
    void topicIdsBecomeVirtualAndEveryBatchLosesItsEpoch(short version) {
        ByteBuf frame = frame(version, p -> { });
        try {
            assertTrue(FetchResponseInPlace.tryRewrite(frame, version, "target", scopes.ids));
            FetchableTopicResponse t = FRAMES.decode(frame, version).responses().get(0);
            if (version >= FIRST_BY_ID) {
                assertEquals(scopes.virtual(STAYS), t.topicId());
            } else {
                assertEquals(STAYS, t.topic());
            }
            MemoryRecords records = (MemoryRecords) t.partitions().get(0).records();
            int batches = 0;
            for (MutableRecordBatch b : records.batches()) {
                assertEquals(-1, b.partitionLeaderEpoch());
                b.ensureValid(); // the epoch lies outside the CRC
                batches++;
            }
            assertEquals(2, batches);
        } finally {
            frame.release();
        }
    }

    @Test
    void aTopicIdNotLearntYetLeavesTheFrameToTheFullRewriteUntouched() {
        short version = 17;
        PartitionData p = new PartitionData().setPartitionIndex(0).setRecords(batch(0, 17));
        FetchResponseData response = new FetchResponseData();
        response.responses().add(new FetchableTopicResponse().setTopicId(new Uuid(9, 9)).setPartitions(new ArrayList<>(List.of(p))));
        ByteBuf frame = FRAMES.encode(version, response);
        assertUntouchedAndRefused(frame, version);
    }

    @Test
    void aLeaderHintLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame((short) 17, p -> p.currentLeader().setLeaderId(2).setLeaderEpoch(9)), (short) 17);
    }

    @Test
    void aLeaderEpochAloneInTheHintLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame((short) 17, p -> p.currentLeader().setLeaderId(-1).setLeaderEpoch(9)), (short) 17);
    }

    @Test
    void aDivergingEpochLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame((short) 17, p -> p.divergingEpoch().setEpoch(3).setEndOffset(1)), (short) 17);
    }

    @Test
    void aPreferredReadReplicaLeavesTheFrameToTheFullRewrite() {
        assertUntouchedAndRefused(frame((short) 11, p -> p.setPreferredReadReplica(1)), (short) 11);
    }

    private void assertUntouchedAndRefused(ByteBuf frame, short version) {
        FRAMES.assertUntouchedAndRefused(frame, version, scopes.ids);
    }
}
