package io.cutover.proxy.core.virtual;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.Checksum;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Edits v2 record batch headers in place. Producer id and epoch lie inside the CRC32C range
 * (attributes to the end of the batch), so the CRC is recomputed; only the header changes, never a
 * record.
 */
public final class RecordBatchHeaders {
    // Field positions of the v2 batch header (KIP-98's message format); CRC and attributes positions
    // are taken from Kafka's own DefaultRecordBatch.
    private static final int LENGTH_OFFSET = 8;
    /** Base offset and length: the bytes before a batch's length counts. */
    public static final int LOG_OVERHEAD = 12;
    /** The smallest batch that can hold a magic byte: anything shorter is no batch of any format. */
    public static final int MIN_MAGIC_BATCH = 17;
    private static final int MAGIC_OFFSET = 16;
    private static final int ATTRIBUTES_OFFSET = DefaultRecordBatch.CRC_OFFSET + 4;
    private static final int PRODUCER_ID_OFFSET = 43;
    private static final int PRODUCER_EPOCH_OFFSET = 51;
    private static final int LAST_OFFSET_DELTA_OFFSET = 23;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int TRANSACTIONAL_FLAG = 0x10;

    private RecordBatchHeaders() {
    }

    /** Visits each batch of a records buffer (absolute positions, the buffer's position untouched). */
    public interface BatchVisitor {
        void visit(ByteBuffer buffer, int batchStart, int batchSize);
    }

    public static void forEachBatch(ByteBuffer records, BatchVisitor visitor) {
        int pos = records.position();
        int end = records.limit();
        while (end - pos >= LOG_OVERHEAD) {
            // The length is the peer's: compared with the room left, so one near 2^31 cannot overflow.
            long size = LOG_OVERHEAD + (long) records.getInt(pos + LENGTH_OFFSET);
            if (size < DefaultRecordBatch.RECORD_BATCH_OVERHEAD || size > end - pos || records.get(pos + MAGIC_OFFSET) != 2) {
                return; // a partial trailing batch, or an old-format one: left as it is
            }
            visitor.visit(records, pos, (int) size);
            pos += (int) size;
        }
    }

    public static long producerId(ByteBuffer b, int batchStart) {
        return b.getLong(batchStart + PRODUCER_ID_OFFSET);
    }

    public static short producerEpoch(ByteBuffer b, int batchStart) {
        return b.getShort(batchStart + PRODUCER_EPOCH_OFFSET);
    }

    public static int baseSequence(ByteBuffer b, int batchStart) {
        return b.getInt(batchStart + BASE_SEQUENCE_OFFSET);
    }

    /** How many records the batch holds, as its offsets count them (compaction never touches a produced batch). */
    public static int recordCount(ByteBuffer b, int batchStart) {
        return b.getInt(batchStart + LAST_OFFSET_DELTA_OFFSET) + 1;
    }

    public static boolean isTransactional(ByteBuffer b, int batchStart) {
        return (b.getShort(batchStart + ATTRIBUTES_OFFSET) & TRANSACTIONAL_FLAG) != 0;
    }

    /** The batch's length field (bytes after it), as the peer wrote it. */
    public static int batchLength(ByteBuf b, int batchStart) {
        return b.getInt(batchStart + LENGTH_OFFSET);
    }

    public static byte magic(ByteBuf b, int batchStart) {
        return b.getByte(batchStart + MAGIC_OFFSET);
    }

    public static long producerId(ByteBuf b, int batchStart) {
        return b.getLong(batchStart + PRODUCER_ID_OFFSET);
    }

    public static short producerEpoch(ByteBuf b, int batchStart) {
        return b.getShort(batchStart + PRODUCER_EPOCH_OFFSET);
    }

    public static boolean isTransactional(ByteBuf b, int batchStart) {
        return (b.getShort(batchStart + ATTRIBUTES_OFFSET) & TRANSACTIONAL_FLAG) != 0;
    }

    /**
     * As {@link #setProducer(ByteBuffer, int, int, long, short)}, with a checksum the caller keeps
     * and reuses (a CRC32C), so a frame of many batches allocates nothing. Indices are absolute in
     * {@code b}, whose position and limit this moves (it clears them first, so one view can serve
     * every batch of a frame in turn).
     */
    public static void setProducer(ByteBuffer b, int batchStart, int batchSize, long producerId, short producerEpoch, Checksum crc32c) {
        b.clear();
        b.putLong(batchStart + PRODUCER_ID_OFFSET, producerId);
        b.putShort(batchStart + PRODUCER_EPOCH_OFFSET, producerEpoch);
        b.limit(batchStart + batchSize).position(batchStart + ATTRIBUTES_OFFSET);
        crc32c.reset();
        crc32c.update(b);
        b.putInt(batchStart + DefaultRecordBatch.CRC_OFFSET, (int) crc32c.getValue());
    }

    /** Writes producer id and epoch and recomputes the batch CRC. */
    public static void setProducer(ByteBuffer b, int batchStart, int batchSize, long producerId, short producerEpoch) {
        b.putLong(batchStart + PRODUCER_ID_OFFSET, producerId);
        b.putShort(batchStart + PRODUCER_EPOCH_OFFSET, producerEpoch);
        long crc = Crc32C.compute(b, batchStart + ATTRIBUTES_OFFSET, batchSize - (ATTRIBUTES_OFFSET));
        b.putInt(batchStart + DefaultRecordBatch.CRC_OFFSET, (int) crc);
    }
}
