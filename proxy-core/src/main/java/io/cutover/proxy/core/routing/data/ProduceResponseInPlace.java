package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.codec.SchemaWalker;
import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.buffer.ByteBuf;
import java.util.List;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Virtualises a Produce response where it lies, as {@link FetchResponseInPlace} does for Fetch: the
 * real topic ids of v13+ become virtual ones by writing over their 16 bytes, and a name-based
 * response (v0-12) that names no broker needs nothing at all. Responses carrying a leader hint (a
 * current leader with an epoch to withhold, node endpoints to rewrite) are left to the full rewrite:
 * {@link #tryRewrite} returns false before it changes anything. Those come only with leadership
 * errors, so a routed producer's steady stream of acknowledgements is never decoded. The shared
 * {@link TopicIdSwap} does all of it: a Produce response has no field of its own to change.
 */
public final class ProduceResponseInPlace {
    private static final SchemaWalker[] WALKERS = TopicIdSwap.walkers(ProduceResponseData.SCHEMAS,
        "responses.partition_responses.current_leader", List.of());
    /** One per event loop thread, reused. */
    private static final ThreadLocal<TopicIdSwap> PASS = ThreadLocal.withInitial(TopicIdSwap::new);

    private ProduceResponseInPlace() {
    }

    /**
     * Virtualises the frame in place. Returns false, having changed nothing, when the response needs
     * the full rewrite.
     */
    public static boolean tryRewrite(ByteBuf frame, short version, String cluster, TopicIds ids) {
        return PASS.get().rewrite(WALKERS, ApiKeys.PRODUCE, frame, version, cluster, ids);
    }
}
