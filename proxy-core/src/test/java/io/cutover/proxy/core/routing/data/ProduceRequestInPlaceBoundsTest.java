package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.CLIENT_EPOCH;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.IDEMPOTENT;
import static io.cutover.proxy.core.routing.data.ProduceRequestFixture.TARGET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lengths in a Produce frame are the client's: whatever they claim, the in-place path throws
 * MalformedFrameException, and nothing else, before it changes a byte.
 */
class ProduceRequestInPlaceBoundsTest {
    private final ProduceRequestFixture f;

    ProduceRequestInPlaceBoundsTest() throws Exception {
        f = new ProduceRequestFixture();
    }

    static IntStream versions() {
        return IntStream.rangeClosed(3, ProduceRequestData.HIGHEST_SUPPORTED_VERSION);
    }

    /** Trailing tagged-field sections after the last records field: partition, topic, request. */
    private static int trailer(short version) {
        return version >= 9 ? 3 : 0;
    }

    /** A frame of one topic, one partition whose records are {@code records} as they are. */
    private ByteBuf frameWithRecords(short version, ByteBuffer records) {
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000);
        r.topicData().add(new ProduceRequestData.TopicProduceData().setName("orders").setTopicId(f.topicIds.virtualId("orders"))
            .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(records)))));
        return ProduceRequestFixture.frame(UnpooledByteBufAllocator.DEFAULT, version, r);
    }

    private static ByteBuffer validBatch() {
        return ProduceRequestFixture.batch(IDEMPOTENT, CLIENT_EPOCH, 0, false, 3, 0);
    }

    private void assertMalformed(ByteBuf frame, short version, String why) {
        byte[] before = ProduceRequestFixture.bytes(frame);
        try {
            assertThrows(MalformedFrameException.class, () -> ProduceRequestInPlace.tryRoute(frame, version, f.scope(TARGET)), why);
            assertArrayEquals(before, ProduceRequestFixture.bytes(frame), why + ": nothing written");
        } finally {
            frame.release();
        }
    }

    /** Where the single batch of {@link #frameWithRecords} starts. */
    private static int batchStart(ByteBuf frame, short version, int recordsSize) {
        return frame.writerIndex() - trailer(version) - recordsSize;
    }

    @ParameterizedTest
    @MethodSource("versions")
    void aTruncatedBatchIsMalformed(int v) {
        short version = (short) v;
        ByteBuffer batch = validBatch();
        for (int cut : new int[] {5, 11, 12, 30, 60}) {
            ByteBuffer partial = batch.duplicate();
            partial.limit(cut);
            assertMalformed(frameWithRecords(version, partial.slice()), version, "a batch cut after " + cut + " bytes");
        }
        ByteBuffer wholeAndPart = ByteBuffer.allocate(batch.remaining() + 20);
        wholeAndPart.put(batch.duplicate()).put(batch.duplicate().limit(20)).flip();
        assertMalformed(frameWithRecords(version, wholeAndPart), version, "a whole batch, then 20 bytes of another");
    }

    @ParameterizedTest
    @MethodSource("versions")
    void batchLengthsThatLieAreMalformed(int v) {
        short version = (short) v;
        int size = validBatch().remaining();
        for (int length : new int[] {size - 12 + 1, size + 1000, Integer.MAX_VALUE, Integer.MAX_VALUE - 11, -1, -5, Integer.MIN_VALUE,
            0, 4, 30}) {
            ByteBuf frame = frameWithRecords(version, validBatch());
            frame.setInt(batchStart(frame, version, size) + 8, length);
            assertMalformed(frame, version, "a batch length of " + length + " in a batch of " + size + " bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void recordsSizesThatLieAreMalformed(int v) {
        short version = (short) v;
        int size = validBatch().remaining();
        for (int claimed : new int[] {-2, -7, Integer.MIN_VALUE, size + 1, Integer.MAX_VALUE}) {
            ByteBuf frame = frameWithRecords(version, validBatch());
            int start = batchStart(frame, version, size);
            if (version >= 9) {
                if (claimed < -1 || claimed > 126) {
                    // A compact length is unsigned: make it run past the frame instead.
                    claimed = 126;
                }
                // The compact length of a batch under 127 bytes takes one byte: size + 1.
                assertTrue(size + 1 < 128);
                frame.setByte(start - 1, claimed + 1);
                if (claimed <= size) {
                    frame.release();
                    continue;
                }
            } else {
                frame.setInt(start - 4, claimed);
            }
            assertMalformed(frame, version, "a records size of " + claimed);
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void arrayCountsThatLieAreMalformed(int v) {
        short version = (short) v;
        ByteBuf probe = frameWithRecords(version, validBatch());
        int size = validBatch().remaining();
        int batch = batchStart(probe, version, size);
        probe.release();
        // Non-flexible: partition count (int32) lies 4 + 4 + 4 bytes before the batch (count, index, records size).
        if (version < 9) {
            for (int count : new int[] {-2, 2, Integer.MAX_VALUE}) {
                ByteBuf frame = frameWithRecords(version, validBatch());
                frame.setInt(batch - 12, count);
                assertMalformed(frame, version, "a partition count of " + count);
            }
        } else {
            // Flexible: records size (1-byte varint), index (4), partition count (1-byte varint) before the batch.
            ByteBuf frame = frameWithRecords(version, validBatch());
            frame.setByte(batch - 6, 0x7f);
            assertMalformed(frame, version, "a partition count of 126");
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void everyTruncationOfAFrameIsMalformed(int v) {
        short version = (short) v;
        ByteBuf whole = ProduceRequestFixture.frame(UnpooledByteBufAllocator.DEFAULT, version,
            f.request(null, new ProduceRequestFixture.Producer(IDEMPOTENT, CLIENT_EPOCH, false), f.topicIds::virtualId, "orders"));
        try {
            byte[] bytes = ProduceRequestFixture.bytes(whole);
            // From just past the header to one byte short: the cut body lies about what follows.
            for (int cut = 40; cut < bytes.length; cut++) {
                ByteBuf frame = Unpooled.wrappedBuffer(java.util.Arrays.copyOf(bytes, cut));
                assertMalformed(frame, version, "cut at " + cut + " of " + bytes.length);
            }
        } finally {
            whole.release();
        }
    }

    @ParameterizedTest
    @MethodSource("versions")
    void corruptFramesThrowNothingButMalformedFrameException(int v) {
        short version = (short) v;
        ByteBuf whole = ProduceRequestFixture.frame(UnpooledByteBufAllocator.DEFAULT, version,
            f.request(ProduceRequestFixture.TXN_ID, new ProduceRequestFixture.Producer(f.txnVirtualId, CLIENT_EPOCH, true),
                f.topicIds::virtualId, "orders", "payments"));
        byte[] bytes = ProduceRequestFixture.bytes(whole);
        whole.release();
        Random random = new Random(version);
        for (int round = 0; round < 2000; round++) {
            byte[] corrupt = bytes.clone();
            for (int i = 0; i < 1 + random.nextInt(4); i++) {
                // Past the size prefix, api key and version: the router has read those already.
                int at = 8 + random.nextInt(corrupt.length - 8);
                corrupt[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : (corrupt[at] ^ 0x80));
            }
            ByteBuf frame = Unpooled.wrappedBuffer(corrupt);
            try {
                ProduceRequestInPlace.tryRoute(frame, version, f.scope(TARGET));
            } catch (MalformedFrameException expected) {
                // refused: fine
            } catch (RuntimeException e) {
                fail("round " + round + ": " + e, e);
            }
        }
    }
}
