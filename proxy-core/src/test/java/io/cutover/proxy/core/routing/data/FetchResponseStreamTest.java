package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.PAYMENTS_ON_TARGET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

/**
 * Fetch responses fed to the stream as a broker connection delivers them, a few bytes to a few
 * kilobytes at a time: whatever the stream lets go must already be final, and what reaches the
 * client in the end must be byte for byte what the whole-frame rewrite makes of the same response.
 */
class FetchResponseStreamTest {
    private static final InPlaceResponseFrames<FetchResponseData> FRAMES =
        new InPlaceResponseFrames<>(ApiKeys.FETCH, FetchResponseInPlace::tryRewrite);

    private final DataScopes scopes = new DataScopes();
    private final FetchResponseStream stream = new FetchResponseStream();

    /** {@code count} batches of a few records each, with a leader epoch for the rewrite to withhold. */
    private static MemoryRecords batches(long baseOffset, int count) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (int b = 0; b < count; b++) {
            SimpleRecord[] records = new SimpleRecord[3];
            for (int r = 0; r < records.length; r++) {
                records[r] = new SimpleRecord(("value-" + (baseOffset + b) + "-" + r + "-" + "x".repeat(40)).getBytes());
            }
            MemoryRecords batch = MemoryRecords.withRecords((byte) 2, baseOffset + b * 3L, Compression.NONE, TimestampType.CREATE_TIME,
                -1L, (short) -1, -1, 7 + b, false, records);
            all.writeBytes(ByteBufUtil.getBytes(Unpooled.wrappedBuffer(batch.buffer())));
        }
        return MemoryRecords.readableRecords(ByteBuffer.wrap(all.toByteArray()));
    }

    private static PartitionData partition(int index, MemoryRecords records) {
        return new PartitionData().setPartitionIndex(index).setHighWatermark(1000).setRecords(records);
    }

    private static FetchableTopicResponse topic(short version, Uuid id, String name, PartitionData... partitions) {
        FetchableTopicResponse t = new FetchableTopicResponse().setPartitions(new ArrayList<>(List.of(partitions)));
        if (version >= InPlaceResponseFrames.FIRST_BY_ID) {
            t.setTopicId(id);
        } else {
            t.setTopic(name);
        }
        return t;
    }

    /** Two topics, three partitions with records: every kind of step the walk takes between them. */
    private static ByteBuf response(short version) {
        FetchResponseData data = new FetchResponseData().setResponses(new ArrayList<>(List.of(
            topic(version, ORDERS_ON_TARGET, DataScopes.STAYS, partition(0, batches(0, 6)), partition(1, batches(100, 4))),
            topic(version, PAYMENTS_ON_TARGET, MOVED, partition(0, batches(200, 5))))));
        return FRAMES.encode(version, data);
    }

    /** What the client receives when the frame arrives in pieces of the sizes {@code random} draws. */
    private byte[] streamed(ByteBuf frame, Random random, int maxPiece, List<Integer> sentAfterEachRead) {
        int total = frame.readableBytes();
        ByteBuf arriving = Unpooled.buffer(total);
        ByteArrayOutputStream client = new ByteArrayOutputStream();
        int sent = 0;
        try {
            while (arriving.writerIndex() < total) {
                int piece = Math.min(total - arriving.writerIndex(), 1 + random.nextInt(maxPiece));
                arriving.writeBytes(frame, frame.readerIndex() + arriving.writerIndex(), piece);
                if (arriving.writerIndex() == total) {
                    break; // the whole frame: the usual path takes over, through finish()
                }
                int canSend = stream.advance(arriving);
                assertTrue(canSend >= sent, "never fewer bytes than before");
                assertTrue(canSend <= arriving.writerIndex(), "only bytes that have come");
                client.write(ByteBufUtil.getBytes(arriving, sent, canSend - sent), 0, canSend - sent);
                sent = canSend;
                sentAfterEachRead.add(sent);
            }
            assertTrue(stream.finish(arriving));
            client.write(ByteBufUtil.getBytes(arriving, sent, total - sent), 0, total - sent);
            assertArrayEquals(client.toByteArray(), ByteBufUtil.getBytes(arriving), "no byte changed after it was sent");
            return client.toByteArray();
        } finally {
            arriving.release();
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {4, 11, 12, 13, 16, 17})
    void virtualisedThePiecesAddUpToWhatTheWholeFrameRewriteMakes(short version) {
        ByteBuf frame = response(version);
        ByteBuf expected = frame.copy();
        try {
            assertTrue(FetchResponseInPlace.tryRewrite(expected, version, "target", scopes.ids));
            for (int seed = 0; seed < 40; seed++) {
                assertTrue(stream.begin(version, true, "target", scopes.ids));
                List<Integer> progress = new ArrayList<>();
                byte[] received = streamed(frame, new Random(seed), seed < 20 ? 64 : 700, progress);
                assertArrayEquals(ByteBufUtil.getBytes(expected), received, "seed " + seed);
                assertTrue(progress.stream().anyMatch(n -> n > 0), "some bytes went before the frame was whole, seed " + seed);
            }
            FetchableTopicResponse moved = FRAMES.decode(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(expected)), version).responses().get(1);
            for (MutableRecordBatch b : ((MemoryRecords) moved.partitions().get(0).records()).batches()) {
                assertEquals(-1, b.partitionLeaderEpoch());
                b.ensureValid();
            }
        } finally {
            frame.release();
            expected.release();
        }
    }

    @ParameterizedTest
    @ValueSource(shorts = {4, 12, 17})
    void notVirtualisedTheBytesGoAsTheyCame(short version) {
        ByteBuf frame = response(version);
        try {
            for (int seed = 0; seed < 20; seed++) {
                assertTrue(stream.begin(version, false, "source", scopes.ids));
                byte[] received = streamed(frame, new Random(seed), 300, new ArrayList<>());
                assertArrayEquals(ByteBufUtil.getBytes(frame), received, "seed " + seed);
            }
        } finally {
            frame.release();
        }
    }

    /** Only bytes whose place in the response is known go: records, once everything before them has been read. */
    @Test
    void nothingGoesBeforeTheFirstRecordsHaveBegun() {
        short version = 17;
        ByteBuf frame = response(version);
        ByteBuf arriving = Unpooled.buffer(frame.readableBytes());
        try {
            assertTrue(stream.begin(version, true, "target", scopes.ids));
            arriving.writeBytes(frame, 0, 40);
            assertEquals(0, stream.advance(arriving), "the header and the first partition's fields are not all here");
            arriving.writeBytes(frame, 40, 400);
            int sent = stream.advance(arriving);
            assertTrue(sent > 40 && sent <= 440, "records under way: " + sent);
        } finally {
            frame.release();
            arriving.release();
        }
    }

    /** A topic id not learnt yet needs the full rewrite, which keeps it: nothing is sent and nothing edited. */
    @Test
    void anUnknownTopicIdRefusesBeforeAnythingIsSent() {
        short version = 17;
        FetchResponseData data = new FetchResponseData().setResponses(new ArrayList<>(List.of(
            topic(version, new Uuid(9, 9), "unknown", partition(0, batches(0, 6))))));
        ByteBuf frame = FRAMES.encode(version, data);
        try {
            byte[] before = ByteBufUtil.getBytes(frame);
            assertTrue(stream.begin(version, true, "target", scopes.ids));
            ByteBuf part = frame.slice(0, frame.readableBytes() - 100);
            assertEquals(FetchResponseStream.REFUSED, stream.advance(part));
            assertArrayEquals(before, ByteBufUtil.getBytes(frame));
        } finally {
            frame.release();
        }
    }

    @ParameterizedTest(name = "virtualised {0}")
    @ValueSource(booleans = {true, false})
    void aLeaderHintBeforeTheFirstRecordsRefusesBeforeAnythingIsSent(boolean virtualize) {
        short version = 17;
        PartitionData moved = new PartitionData().setPartitionIndex(0).setErrorCode((short) 6).setHighWatermark(-1);
        moved.currentLeader().setLeaderId(2).setLeaderEpoch(9);
        FetchResponseData data = new FetchResponseData().setResponses(new ArrayList<>(List.of(
            topic(version, ORDERS_ON_TARGET, DataScopes.STAYS, moved, partition(1, batches(0, 6))))));
        data.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2").setPort(9092));
        ByteBuf frame = FRAMES.encode(version, data);
        try {
            assertTrue(stream.begin(version, virtualize, "target", scopes.ids));
            assertEquals(FetchResponseStream.REFUSED, stream.advance(frame.slice(0, frame.readableBytes() - 100)));
        } finally {
            frame.release();
        }
    }

    /**
     * A partition with a leader hint after records already sent: the frame cannot be rewritten any
     * more, and finish says so, whether identities are virtualised or not.
     */
    @ParameterizedTest(name = "virtualised {0}")
    @ValueSource(booleans = {true, false})
    void aLeaderHintAfterRecordsWereSentFailsTheFinish(boolean virtualize) {
        short version = 17;
        PartitionData moved = new PartitionData().setPartitionIndex(1).setErrorCode((short) 6).setHighWatermark(-1);
        moved.currentLeader().setLeaderId(2).setLeaderEpoch(9);
        FetchResponseData data = new FetchResponseData().setResponses(new ArrayList<>(List.of(
            topic(version, ORDERS_ON_TARGET, DataScopes.STAYS, partition(0, batches(0, 6)), moved))));
        data.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2").setPort(9092));
        ByteBuf frame = FRAMES.encode(version, data);
        ByteBuf arriving = Unpooled.buffer(frame.readableBytes());
        try {
            assertTrue(stream.begin(version, virtualize, "target", scopes.ids));
            arriving.writeBytes(frame, 0, 300);
            assertTrue(stream.advance(arriving) > 0, "the first partition's records are under way");
            arriving.writeBytes(frame, 300, frame.readableBytes() - 300);
            assertFalse(stream.finish(arriving));
        } finally {
            frame.release();
            arriving.release();
        }
    }

    @Test
    void aVersionTheStreamCannotWalkIsNotStreamed() {
        assertFalse(stream.begin((short) 99, true, "target", scopes.ids));
    }
}
