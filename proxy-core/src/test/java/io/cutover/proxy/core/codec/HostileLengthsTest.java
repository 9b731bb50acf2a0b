package io.cutover.proxy.core.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Type;
import org.junit.jupiter.api.Test;

/**
 * Lengths a hostile client may send: sizes near 2^31 (where {@code pos + size} overflows an int) and
 * near 2^32 (where a cast to int wraps to a small or negative number). Each must be refused as a
 * malformed frame, never surface as an IndexOutOfBoundsException the pipeline does not expect, and
 * never move the read position backwards.
 */
class HostileLengthsTest {
    /** Unsigned varint, as Kafka writes it. */
    private static ByteBuf varint(ByteBuf buf, long value) {
        while ((value & ~0x7fL) != 0) {
            buf.writeByte((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        return buf.writeByte((int) value);
    }

    /** A request frame with header v2 (no clientId), whose header carries one tagged field claiming {@code size} bytes. */
    private static ByteBuf headerV2WithTaggedField(short apiKey, short version, long size) {
        ByteBuf frame = Unpooled.buffer();
        frame.writeInt(0).writeShort(apiKey).writeShort(version).writeInt(1).writeShort(-1);
        varint(frame, 1); // one tagged field
        varint(frame, 7); // tag
        varint(frame, size);
        frame.writeZero(32); // a few bytes, far fewer than the size claims
        frame.setInt(0, frame.readableBytes() - 4);
        return frame;
    }

    private static void assertMalformed(ByteBuf frame, org.junit.jupiter.api.function.Executable read) {
        try {
            assertThrows(MalformedFrameException.class, read);
        } finally {
            frame.release();
        }
    }

    @Test
    void aTaggedFieldSizeNear2To31InTheRequestHeaderIsMalformed() {
        // Old code: pos + 0x7fffffff overflowed to a negative index and passed "pos + size > end".
        for (long size : new long[] {0x7fffffffL, 0x7ffffff0L, 0x80000000L, 0xffffffffL}) {
            ByteBuf frame = headerV2WithTaggedField(ApiKeys.METADATA.id, (short) 12, size);
            assertMalformed(frame, () -> RequestFrames.bodyOffset(frame, (short) 2));
        }
    }

    @Test
    void aTaggedFieldSizeNear2To31InTheResponseHeaderIsMalformed() {
        ByteBuf frame = Unpooled.buffer().writeInt(0).writeInt(1);
        varint(frame, 1);
        varint(frame, 3);
        varint(frame, 0x7fffffffL);
        frame.writeZero(16);
        frame.setInt(0, frame.readableBytes() - 4);
        assertMalformed(frame, () -> ResponseFrames.bodyOffset(frame, (short) 1));
    }

    @Test
    void aTaggedFieldCountBeyondTheFrameIsMalformed() {
        ByteBuf frame = Unpooled.buffer().writeInt(0).writeInt(1);
        varint(frame, 0xffffffffL);
        frame.writeZero(4);
        frame.setInt(0, frame.readableBytes() - 4);
        assertMalformed(frame, () -> ResponseFrames.bodyOffset(frame, (short) 1));
    }

    @Test
    void aTaggedFieldOverflowInAProduceHeaderIsMalformed() {
        // Produce v9 is the first version with header v2.
        ByteBuf frame = headerV2WithTaggedField(ApiKeys.PRODUCE.id, (short) 9, 0x7fffffffL);
        assertMalformed(frame, () -> ProduceRequestFrames.acks(frame));
    }

    @Test
    void aProduceTransactionalIdLengthNear2To32IsMalformed() {
        // Old code: pos += (int) (length - 1) moved pos backwards or past 2^31, then read acks out of bounds.
        for (long lengthPlusOne : new long[] {0x80000000L, 0x7fffffffL, 0xffffffffL, 0xfffffffeL}) {
            ByteBuf frame = Unpooled.buffer().writeInt(0).writeShort(ApiKeys.PRODUCE.id).writeShort(9).writeInt(1).writeShort(-1);
            varint(frame, 0); // no tagged fields in the header
            varint(frame, lengthPlusOne);
            frame.writeShort(1).writeInt(1000).writeZero(16);
            frame.setInt(0, frame.readableBytes() - 4);
            assertMalformed(frame, () -> ProduceRequestFrames.acks(frame));
        }
    }

    @Test
    void aNegativeProduceTransactionalIdLengthIsMalformed() {
        ByteBuf frame = Unpooled.buffer().writeInt(0).writeShort(ApiKeys.PRODUCE.id).writeShort(3).writeInt(1).writeShort(-1)
            .writeShort(-200).writeShort(1).writeInt(1000).writeZero(16);
        frame.setInt(0, frame.readableBytes() - 4);
        assertMalformed(frame, () -> ProduceRequestFrames.acks(frame));
    }

    @Test
    void aTaggedSectionInAnOverlongEncodingIsSkippedAsKafkaReadsIt() {
        // Kafka accepts a varint in more bytes than needed (0x80 0x00 is 0). The old code advanced by
        // the shortest encoding of the value and read the body one byte early: a different message
        // from the one the broker reads.
        ByteBuf frame = Unpooled.buffer().writeInt(0).writeShort(ApiKeys.METADATA.id).writeShort(12).writeInt(1).writeShort(-1)
            .writeByte(0x80).writeByte(0x00);
        frame.writeByte(1).writeByte(0); // body: topics = null (compact 0)... any bytes will do here
        frame.setInt(0, frame.readableBytes() - 4);
        try {
            ByteBuffer header = frame.nioBuffer(4, frame.readableBytes() - 4);
            new RequestHeaderData(new ByteBufferAccessor(header), (short) 2);
            int kafkaHeaderEnd = 4 + header.position();
            assertEquals(kafkaHeaderEnd, RequestFrames.bodyOffset(frame, (short) 2));
        } finally {
            frame.release();
        }
    }

    @Test
    void theWalkerRefusesACompactLengthNear2To32() {
        // 0xffffffff - 1 cast to int is -2: the old walker stepped back two bytes and carried on.
        SchemaWalker walker = SchemaWalker.compile(new Schema(new Field("s", Type.COMPACT_STRING), new Field("x", Type.INT32)), List.of());
        ByteBuf buf = Unpooled.buffer();
        varint(buf, 0xffffffffL);
        buf.writeZero(8);
        assertMalformed(buf, () -> walker.walk(buf, 0, buf.writerIndex(), (w, b, o, l) -> { }));
    }

    @Test
    void theWalkerRefusesABytesLengthNear2To31() {
        SchemaWalker walker = SchemaWalker.compile(new Schema(new Field("x", Type.INT64), new Field("b", Type.BYTES)), List.of("b"));
        ByteBuf buf = Unpooled.buffer().writeLong(1).writeInt(0x7ffffffc).writeZero(8);
        assertMalformed(buf, () -> walker.walk(buf, 0, buf.writerIndex(), (w, b, o, l) -> { }));
    }

    @Test
    void theWalkerRefusesAnArrayCountBeyondTheFrame() {
        SchemaWalker walker = SchemaWalker.compile(new Schema(new Field("a", new org.apache.kafka.common.protocol.types.ArrayOf(Type.INT8))),
            List.of());
        ByteBuf buf = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeZero(8);
        assertMalformed(buf, () -> walker.walk(buf, 0, buf.writerIndex(), (w, b, o, l) -> { }));
    }

    @Test
    void theWalkerRefusesATaggedFieldSizeNear2To31() {
        Schema schema = new Schema(new Field("x", Type.INT32), Field.TaggedFieldsSection.of());
        SchemaWalker walker = SchemaWalker.compile(schema, List.of());
        ByteBuf buf = Unpooled.buffer().writeInt(1);
        varint(buf, 1);
        varint(buf, 0);
        varint(buf, 0x7fffffffL);
        buf.writeZero(8);
        assertMalformed(buf, () -> walker.walk(buf, 0, buf.writerIndex(), (w, b, o, l) -> { }));
    }
}
