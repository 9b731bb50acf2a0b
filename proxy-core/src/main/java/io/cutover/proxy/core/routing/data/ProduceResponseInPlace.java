package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Virtualises a Produce response where it lies, as {@link FetchResponseInPlace} does for Fetch: the
 * real topic ids of v13+ become virtual ones by writing over their 16 bytes, and a name-based
 * response (v0-12) that names no broker needs nothing at all. Responses carrying a leader hint (a
 * current leader with an epoch to withhold, node endpoints to rewrite) are left to the full rewrite:
 * {@link #tryRewrite} returns false before it changes anything. Those come only with leadership
 * errors, so a routed producer's steady stream of acknowledgements is never decoded.
 */
public final class ProduceResponseInPlace {
    private static final int TOPIC_ID = 0;
    private static final int NODE_ENDPOINTS = 1;
    private static final int CURRENT_LEADER = 2;

    private static final SchemaWalker[] WALKERS = new SchemaWalker[ProduceResponseData.SCHEMAS.length];
    private static final ThreadLocal<Pass> PASS = ThreadLocal.withInitial(Pass::new);

    static {
        for (int v = 0; v < WALKERS.length; v++) {
            if (ProduceResponseData.SCHEMAS[v] != null) {
                WALKERS[v] = SchemaWalker.compile(ProduceResponseData.SCHEMAS[v],
                    List.of("responses.topic_id", "node_endpoints", "responses.partition_responses.current_leader"));
            }
        }
    }

    private ProduceResponseInPlace() {
    }

    /**
     * Virtualises the frame in place. Returns false, having changed nothing, when the response needs
     * the full rewrite.
     */
    public static boolean tryRewrite(ByteBuf frame, short version, String cluster, TopicIds ids) {
        if (version < 0 || version >= WALKERS.length || WALKERS[version] == null) {
            return false;
        }
        int body = frame.readerIndex() + ResponseFrames.bodyOffset(frame, ApiKeys.PRODUCE.responseHeaderVersion(version));
        Pass pass = PASS.get();
        // First pass: only look. The second writes, once it is known that nothing needs the full rewrite.
        pass.reset(false, cluster, ids);
        WALKERS[version].walk(frame, body, frame.writerIndex(), pass);
        if (pass.needsFullRewrite) {
            return false;
        }
        if (pass.topicIds) {
            pass.reset(true, cluster, ids);
            WALKERS[version].walk(frame, body, frame.writerIndex(), pass);
        }
        return true;
    }

    /** One per event loop thread, reused. */
    private static final class Pass implements SchemaWalker.Visitor {
        boolean write;
        boolean needsFullRewrite;
        boolean topicIds;
        String cluster;
        TopicIds ids;

        void reset(boolean write, String cluster, TopicIds ids) {
            this.write = write;
            this.needsFullRewrite = false;
            this.topicIds = false;
            this.cluster = cluster;
            this.ids = ids;
        }

        @Override
        public void field(int watch, ByteBuf buf, int offset, int length) {
            switch (watch) {
                case TOPIC_ID -> {
                    topicIds = true;
                    Uuid virtual = ids.virtualOfReal(cluster, new Uuid(buf.getLong(offset), buf.getLong(offset + 8)));
                    if (virtual == null) {
                        // Not known yet (learnt soon, see TopicIds.onMiss): the full rewrite leaves it as it is.
                        needsFullRewrite = true;
                    } else if (write) {
                        buf.setLong(offset, virtual.getMostSignificantBits());
                        buf.setLong(offset + 8, virtual.getLeastSignificantBits());
                    }
                }
                case NODE_ENDPOINTS -> needsFullRewrite = true;
                // A tagged struct, written only when set: leader id and epoch, -1 for none.
                case CURRENT_LEADER -> needsFullRewrite |= buf.getInt(offset) >= 0 || buf.getInt(offset + 4) >= 0;
                default -> {
                }
            }
        }
    }
}
