package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.api.ApiVersionsResponses;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Applies the right {@link ResponseRewriter} to a response frame: decode, rewrite, re-encode. Frames
 * of APIs that need no rewriting never get here.
 */
public final class ResponseRewriting {
    private final ResponseRewriter<?>[] rewriters = new ResponseRewriter<?>[ApiSupport.maxApiKeyId() + 1];

    public ResponseRewriting() {
        rewriters[ApiKeys.API_VERSIONS.id] = new ApiVersionsRewriter();
        rewriters[ApiKeys.METADATA.id] = new MetadataRewriter();
        rewriters[ApiKeys.FIND_COORDINATOR.id] = new FindCoordinatorRewriter();
        rewriters[ApiKeys.DESCRIBE_CLUSTER.id] = new DescribeClusterRewriter();
        rewriters[ApiKeys.PRODUCE.id] = new ProduceResponseRewriter();
        rewriters[ApiKeys.FETCH.id] = new FetchResponseRewriter();
        rewriters[ApiKeys.SHARE_FETCH.id] = new ShareFetchResponseRewriter();
        rewriters[ApiKeys.SHARE_ACKNOWLEDGE.id] = new ShareAcknowledgeResponseRewriter();
    }

    /** True when a response to this request must pass through {@link #rewrite}. */
    public boolean needsRewrite(short apiKey, short version) {
        return ApiSupport.rewritesResponse(apiKey, version) && rewriters[apiKey] != null;
    }

    /**
     * Rewrites a response frame. Returns {@code frame} itself when nothing changed, or a new frame
     * (and then releases nothing: the caller owns both and releases {@code frame}).
     */
    public ByteBuf rewrite(ByteBufAllocator alloc, ByteBuf frame, short apiKey, short version, RewriteContext ctx) {
        ApiKeys api = ApiKeys.forId(apiKey);
        short bodyVersion = version;
        short headerVersion = api.responseHeaderVersion(version);
        if (api == ApiKeys.API_VERSIONS && isApiVersionsError(frame)) {
            // A broker that does not know the requested ApiVersions version answers at v0 (KIP-511);
            // keep it at v0 so the client can read it and retry at a version both know.
            bodyVersion = ApiVersionsResponses.ERROR_RESPONSE_VERSION;
            headerVersion = ApiVersionsResponses.ERROR_RESPONSE_HEADER_VERSION;
        }
        ApiMessage message = MessageCodec.decodeResponse(frame, api, bodyVersion, headerVersion);
        if (!apply(rewriters[apiKey], message, bodyVersion, ctx)) {
            return frame;
        }
        return MessageCodec.encodeResponse(alloc, ResponseFrames.correlationId(frame), headerVersion, bodyVersion, message);
    }

    @SuppressWarnings("unchecked")
    private static <T extends ApiMessage> boolean apply(ResponseRewriter<T> rewriter, ApiMessage message, short version,
                                                        RewriteContext ctx) {
        return rewriter.rewrite((T) message, version, ctx);
    }

    /** ApiVersions responses start with errorCode in every version, right after header v0. */
    private static boolean isApiVersionsError(ByteBuf frame) {
        int at = frame.readerIndex() + ResponseFrames.MIN_FRAME_BYTES;
        return frame.writerIndex() >= at + 2 && frame.getShort(at) == Errors.UNSUPPORTED_VERSION.code();
    }
}
