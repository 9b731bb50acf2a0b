package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.rewrite.LeaderHintRewriters;
import io.cutover.proxy.core.rewrite.LeaderHints;
import io.cutover.proxy.core.rewrite.ResponseRewriter;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Rewrites an upstream response frame: decode, rewrite, re-encode. Three reasons to rewrite: the
 * response names brokers (leader hints of Produce v10+ and Fetch v16+); identities are virtualised
 * (topic ids and leader epochs of the APIs listed in {@link #VIRTUALISED}); or the request had
 * partitions taken out that the answer must report. Frames of every other response never get here.
 */
public final class ResponseRewriting {
    private static final boolean[] VIRTUALISED = new boolean[ApiSupport.maxApiKeyId() + 1];

    static {
        for (ApiKeys api : new ApiKeys[] {ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_FETCH,
            ApiKeys.OFFSET_COMMIT, ApiKeys.CONSUMER_GROUP_HEARTBEAT, ApiKeys.CREATE_TOPICS, ApiKeys.DELETE_TOPICS,
            ApiKeys.HEARTBEAT, ApiKeys.SYNC_GROUP, ApiKeys.TXN_OFFSET_COMMIT}) {
            VIRTUALISED[api.id] = true;
        }
    }

    private final ResponseRewriter<?>[] rewriters = new ResponseRewriter<?>[ApiSupport.maxApiKeyId() + 1];

    public ResponseRewriting() {
        rewriters[ApiKeys.PRODUCE.id] = LeaderHintRewriters.PRODUCE;
        rewriters[ApiKeys.FETCH.id] = LeaderHintRewriters.FETCH;
        rewriters[ApiKeys.SHARE_FETCH.id] = LeaderHintRewriters.SHARE_FETCH;
        rewriters[ApiKeys.SHARE_ACKNOWLEDGE.id] = LeaderHintRewriters.SHARE_ACKNOWLEDGE;
    }

    /**
     * True when this response must pass through {@link #rewrite}. Produce and Fetch responses are
     * looked into without decoding: only those carrying leader hints are rewritten when identities
     * are not virtualised.
     */
    public boolean needsRewrite(ByteBuf frame, short apiKey, short version, RewriteContext ctx, Misrouted misrouted) {
        if (misrouted != null || (ctx.virtualize() && VIRTUALISED[apiKey])) {
            return true;
        }
        if (!ApiSupport.rewritesResponse(apiKey, version) || rewriters[apiKey] == null) {
            return false;
        }
        return (apiKey != ApiKeys.FETCH.id && apiKey != ApiKeys.PRODUCE.id) || LeaderHints.present(frame, apiKey, version);
    }

    /**
     * Rewrites a response frame. Returns {@code frame} itself when nothing changed, or a new frame
     * (then the caller owns both and releases {@code frame}).
     */
    public ByteBuf rewrite(ByteBufAllocator alloc, ByteBuf frame, short apiKey, short version, RewriteContext ctx, Misrouted misrouted) {
        if (apiKey == ApiKeys.FETCH.id && ctx.virtualize() && misrouted == null
            && FetchResponseInPlace.tryRewrite(frame, version, ctx.cluster(), ctx.topicIds())) {
            return frame; // the common case: ids and epochs written over where they lie, records untouched
        }
        if (apiKey == ApiKeys.PRODUCE.id && ctx.virtualize() && misrouted == null
            && ProduceResponseInPlace.tryRewrite(frame, version, ctx.cluster(), ctx.topicIds())) {
            return frame; // acknowledgements without leader hints: at most topic ids written over
        }
        ApiKeys api = ApiKeys.forId(apiKey);
        ApiMessage message = MessageCodec.decodeResponse(frame, api, version);
        boolean changed = false;
        if (ApiSupport.rewritesResponse(apiKey, version) && rewriters[apiKey] != null) {
            changed = apply(rewriters[apiKey], message, version, ctx);
        }
        if (ctx.virtualize() || misrouted != null) {
            changed |= completeIdentities(api, message, version, ctx, misrouted);
        }
        if (!changed) {
            return frame;
        }
        return MessageCodec.encodeResponse(alloc, ResponseFrames.correlationId(frame), api.responseHeaderVersion(version), version, message);
    }

    private static boolean completeIdentities(ApiKeys api, ApiMessage m, short version, RewriteContext ctx, Misrouted misrouted) {
        String cluster = ctx.cluster();
        boolean v = ctx.virtualize();
        return switch (api) {
            case PRODUCE -> ProduceRouting.complete((ProduceResponseData) m, version, misrouted, cluster, ctx.topicIds(), v);
            case FETCH -> FetchRouting.complete((FetchResponseData) m, version, misrouted, cluster, ctx.topicIds(), v);
            case LIST_OFFSETS -> ListOffsetsRouting.complete((ListOffsetsResponseData) m, misrouted, v);
            case OFFSET_FETCH -> v && IdentityRewriting.offsetFetchResponse((OffsetFetchResponseData) m, cluster, ctx.topicIds());
            case OFFSET_COMMIT -> v && IdentityRewriting.offsetCommitResponse((OffsetCommitResponseData) m, cluster, ctx.topicIds());
            case CONSUMER_GROUP_HEARTBEAT -> v && IdentityRewriting.consumerGroupHeartbeatResponse(
                (ConsumerGroupHeartbeatResponseData) m, cluster, ctx.topicIds());
            case CREATE_TOPICS -> v && IdentityRewriting.createTopicsResponse((CreateTopicsResponseData) m, cluster, ctx.topicIds());
            case DELETE_TOPICS -> v && IdentityRewriting.deleteTopicsResponse((DeleteTopicsResponseData) m, cluster, ctx.topicIds());
            default -> false;
        } | (v && GroupMemberErrors.asUnknownMember(api, m));
    }

    @SuppressWarnings("unchecked")
    private static <T extends ApiMessage> boolean apply(ResponseRewriter<T> rewriter, ApiMessage message, short version,
                                                        RewriteContext ctx) {
        return rewriter.rewrite((T) message, version, ctx);
    }
}
