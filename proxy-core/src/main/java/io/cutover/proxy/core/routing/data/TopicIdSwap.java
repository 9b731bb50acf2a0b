package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.types.Schema;

/**
 * The pass that {@link FetchResponseInPlace} and {@link ProduceResponseInPlace} share: a response
 * body is walked once only to look (does anything need the full rewrite? is anything to be
 * written?), and, when the frame can be kept, once more to write, real topic ids becoming virtual
 * ones where they lie. Both responses carry KIP-951 leader hints (node endpoints, a partition's
 * current leader), which only the full rewrite can virtualise; a response type adds its own fields
 * as watches from {@link #FIRST_OWN_WATCH} on, in a subclass.
 *
 * <p>One pass object per event loop thread, reused: the walk allocates nothing.
 */
class TopicIdSwap implements SchemaWalker.Visitor {
    private static final int TOPIC_ID = 0;
    private static final int NODE_ENDPOINTS = 1;
    private static final int CURRENT_LEADER = 2;
    /** The watch index of the first field a response type adds. */
    static final int FIRST_OWN_WATCH = 3;

    private boolean write;
    private boolean needsFullRewrite;
    private boolean writes;
    private String cluster;
    private TopicIds ids;

    /**
     * One walker per version of the response: watching the topic id and the leader hints (the
     * partitions' current leader at {@code currentLeader}), then {@code ownFields} in their order.
     */
    static SchemaWalker[] walkers(Schema[] schemas, String currentLeader, List<String> ownFields) {
        List<String> watched = new ArrayList<>(List.of("responses.topic_id", "node_endpoints", currentLeader));
        watched.addAll(ownFields);
        SchemaWalker[] walkers = new SchemaWalker[schemas.length];
        for (int v = 0; v < walkers.length; v++) {
            if (schemas[v] != null) {
                walkers[v] = SchemaWalker.compile(schemas[v], watched);
            }
        }
        return walkers;
    }

    /**
     * Virtualises the frame in place. Returns false, having changed nothing, when the response needs
     * the full rewrite.
     */
    final boolean rewrite(SchemaWalker[] walkers, ApiKeys api, ByteBuf frame, short version, String cluster, TopicIds ids) {
        if (version < 0 || version >= walkers.length || walkers[version] == null) {
            return false;
        }
        SchemaWalker walker = walkers[version];
        int body = frame.readerIndex() + ResponseFrames.bodyOffset(frame, api.responseHeaderVersion(version));
        this.cluster = cluster;
        this.ids = ids;
        // First pass: only look. The second writes, once it is known that nothing needs the full rewrite.
        begin(false);
        walker.walk(frame, body, frame.writerIndex(), this);
        if (needsFullRewrite) {
            return false;
        }
        if (writes) {
            begin(true);
            walker.walk(frame, body, frame.writerIndex(), this);
        }
        return true;
    }

    private void begin(boolean write) {
        this.write = write;
        this.needsFullRewrite = false;
        this.writes = false;
    }

    @Override
    public final void field(int watch, ByteBuf buf, int offset, int length) {
        switch (watch) {
            case TOPIC_ID -> {
                writes = true;
                Uuid virtual = virtualOf(buf, offset, cluster, ids);
                if (virtual == null) {
                    // Not known yet (learnt soon, see TopicIds.onMiss): the full rewrite leaves it as it is.
                    needsFullRewrite = true;
                } else if (write) {
                    writeId(buf, offset, virtual);
                }
            }
            case NODE_ENDPOINTS -> needsFullRewrite = true;
            // A tagged struct, written only when set: leader id and epoch, -1 for none.
            case CURRENT_LEADER -> needsFullRewrite |= buf.getInt(offset) >= 0 || buf.getInt(offset + 4) >= 0;
            default -> ownField(watch, buf, offset, length);
        }
    }

    /** The virtual id of the real topic id of {@code cluster} at {@code offset}; null when not learnt yet. */
    static Uuid virtualOf(ByteBuf buf, int offset, String cluster, TopicIds ids) {
        return ids.virtualOfReal(cluster, new Uuid(buf.getLong(offset), buf.getLong(offset + 8)));
    }

    /** Writes {@code id} over the 16 bytes at {@code offset}. */
    static void writeId(ByteBuf buf, int offset, Uuid id) {
        buf.setLong(offset, id.getMostSignificantBits());
        buf.setLong(offset + 8, id.getLeastSignificantBits());
    }

    /** A field the response type watches itself, {@link #FIRST_OWN_WATCH} and up; none by default. */
    void ownField(int watch, ByteBuf buf, int offset, int length) {
    }

    /** True in the second pass, which writes; false in the first, which only looks. */
    final boolean writing() {
        return write;
    }

    /** The field just seen can only be virtualised by the full rewrite; the first pass says so and nothing is written. */
    final void needsFullRewrite() {
        needsFullRewrite = true;
    }

    /** The field just seen is to be written over in the second pass. */
    final void writes() {
        writes = true;
    }
}
