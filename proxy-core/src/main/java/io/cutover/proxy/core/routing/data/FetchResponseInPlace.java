package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.codec.Varints;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Virtualises a Fetch response where it lies: real topic ids become virtual ones and every record
 * batch's partitionLeaderEpoch becomes -1 (it lies outside the batch CRC), by writing over those
 * bytes in the frame. Nothing is decoded or copied, records included. Responses that need more
 * (leader hints, a diverging epoch, a snapshot id, a preferred read replica) are left to the full
 * rewrite: {@link #tryRewrite} says so by returning false before it changes anything.
 */
public final class FetchResponseInPlace {
    private static final int RECORDS = TopicIdSwap.FIRST_OWN_WATCH;
    private static final int DIVERGING_EPOCH = RECORDS + 1;
    private static final int SNAPSHOT_ID = RECORDS + 2;
    private static final int PREFERRED_READ_REPLICA = RECORDS + 3;
    private static final int FIRST_FLEXIBLE_VERSION = 12;

    private static final SchemaWalker[] WALKERS = TopicIdSwap.walkers(FetchResponseData.SCHEMAS, "responses.partitions.current_leader",
        List.of("responses.partitions.records", "responses.partitions.diverging_epoch", "responses.partitions.snapshot_id",
            "responses.partitions.preferred_read_replica"));
    private static final ThreadLocal<Pass> PASS = ThreadLocal.withInitial(Pass::new);

    private FetchResponseInPlace() {
    }

    /**
     * Virtualises the frame in place. Returns false, having changed nothing, when the response needs
     * the full rewrite.
     */
    public static boolean tryRewrite(ByteBuf frame, short version, String cluster, TopicIds ids) {
        Pass pass = PASS.get();
        pass.flexible = version >= FIRST_FLEXIBLE_VERSION;
        return pass.rewrite(WALKERS, ApiKeys.FETCH, frame, version, cluster, ids);
    }

    /** One per event loop thread, reused: topic ids as every in-place pass, and the records' batch epochs. */
    private static final class Pass extends TopicIdSwap {
        boolean flexible;

        @Override
        void ownField(int watch, ByteBuf buf, int offset, int length) {
            switch (watch) {
                case RECORDS -> {
                    if (writing()) {
                        withholdBatchEpochs(buf, offset, length, flexible);
                    } else {
                        writes();
                    }
                }
                case DIVERGING_EPOCH, SNAPSHOT_ID -> needsFullRewrite();
                case PREFERRED_READ_REPLICA -> {
                    if (buf.getInt(offset) >= 0) {
                        needsFullRewrite();
                    }
                }
                default -> {
                }
            }
        }
    }

    /**
     * Sets partitionLeaderEpoch to -1 in every whole v2 batch of a records field, given with its
     * length prefix (an unsigned varint in flexible versions, an int32 before).
     */
    static void withholdBatchEpochs(ByteBuf buf, int offset, int length, boolean flexible) {
        int end = offset + length;
        int pos = offset;
        if (flexible) {
            pos = Varints.endOfUnsignedVarint(buf, pos, end);
        } else {
            pos += 4;
        }
        while (end - pos >= 17) {
            int batchLength = buf.getInt(pos + 8);
            // Compared with the room left: 12 + a length near 2^31 would overflow.
            if (batchLength < 0 || batchLength > end - pos - 12) {
                return; // a partial trailing batch is cut off by the broker; it stays as it is
            }
            if (buf.getByte(pos + 16) == 2) {
                buf.setInt(pos + 12, -1);
            }
            pos += 12 + batchLength;
        }
    }
}
