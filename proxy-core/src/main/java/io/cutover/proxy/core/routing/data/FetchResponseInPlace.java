package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.codec.Varints;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.Uuid;
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
    private static final int TOPIC_ID = 0;
    private static final int RECORDS = 1;
    private static final int NODE_ENDPOINTS = 2;
    private static final int CURRENT_LEADER = 3;
    private static final int DIVERGING_EPOCH = 4;
    private static final int SNAPSHOT_ID = 5;
    private static final int PREFERRED_READ_REPLICA = 6;
    private static final int FIRST_FLEXIBLE_VERSION = 12;

    private static final SchemaWalker[] WALKERS = new SchemaWalker[FetchResponseData.SCHEMAS.length];
    private static final ThreadLocal<Pass> PASS = ThreadLocal.withInitial(Pass::new);

    static {
        for (int v = 0; v < WALKERS.length; v++) {
            if (FetchResponseData.SCHEMAS[v] != null) {
                WALKERS[v] = SchemaWalker.compile(FetchResponseData.SCHEMAS[v], List.of("responses.topic_id", "responses.partitions.records",
                    "node_endpoints", "responses.partitions.current_leader", "responses.partitions.diverging_epoch",
                    "responses.partitions.snapshot_id", "responses.partitions.preferred_read_replica"));
            }
        }
    }

    private FetchResponseInPlace() {
    }

    /**
     * Virtualises the frame in place. Returns false, having changed nothing, when the response needs
     * the full rewrite.
     */
    public static boolean tryRewrite(ByteBuf frame, short version, String cluster, TopicIds ids) {
        if (version >= WALKERS.length) {
            return false;
        }
        int body = frame.readerIndex() + ResponseFrames.bodyOffset(frame, ApiKeys.FETCH.responseHeaderVersion(version));
        Pass pass = PASS.get();
        boolean flexible = version >= FIRST_FLEXIBLE_VERSION;
        // First pass: only look. The second writes, once it is known that nothing needs the full rewrite.
        pass.reset(false, flexible, cluster, ids);
        WALKERS[version].walk(frame, body, frame.writerIndex(), pass);
        if (pass.needsFullRewrite) {
            return false;
        }
        pass.reset(true, flexible, cluster, ids);
        WALKERS[version].walk(frame, body, frame.writerIndex(), pass);
        return true;
    }

    /** One per event loop thread, reused. */
    private static final class Pass implements SchemaWalker.Visitor {
        boolean write;
        boolean flexible;
        boolean needsFullRewrite;
        String cluster;
        TopicIds ids;

        void reset(boolean write, boolean flexible, String cluster, TopicIds ids) {
            this.write = write;
            this.flexible = flexible;
            this.needsFullRewrite = false;
            this.cluster = cluster;
            this.ids = ids;
        }

        @Override
        public void field(int watch, ByteBuf buf, int offset, int length) {
            switch (watch) {
                case TOPIC_ID -> {
                    Uuid virtual = ids.virtualOfReal(cluster, new Uuid(buf.getLong(offset), buf.getLong(offset + 8)));
                    if (virtual == null) {
                        // Not known yet (learnt soon, see TopicIds.onMiss): the full rewrite leaves it as it is.
                        needsFullRewrite = true;
                    } else if (write) {
                        buf.setLong(offset, virtual.getMostSignificantBits());
                        buf.setLong(offset + 8, virtual.getLeastSignificantBits());
                    }
                }
                case RECORDS -> {
                    if (write) {
                        withholdBatchEpochs(buf, offset, length, flexible);
                    }
                }
                case NODE_ENDPOINTS, DIVERGING_EPOCH, SNAPSHOT_ID -> needsFullRewrite = true;
                case CURRENT_LEADER -> needsFullRewrite |= buf.getInt(offset) >= 0 || buf.getInt(offset + 4) >= 0;
                case PREFERRED_READ_REPLICA -> needsFullRewrite |= buf.getInt(offset) >= 0;
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
