package io.cutover.proxy.server.net;

import io.cutover.proxy.core.api.ApiVersionsResponses;
import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers an ApiVersions request at a version newer than the proxy knows, as a broker would: v0,
 * UNSUPPORTED_VERSION, and the range the proxy supports. The client retries within that range, and
 * that request goes upstream (its answer is cut to what the proxy handles on the way back).
 */
final class ApiVersionsResponder extends ChannelInboundHandlerAdapter {
    private final ResponseReceiver responses;

    ApiVersionsResponder(ResponseReceiver responses) {
        this.responses = responses;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        if (request.api != ApiKeys.API_VERSIONS || request.apiVersion <= ApiKeys.API_VERSIONS.latestVersion()) {
            ctx.fireChannelRead(request);
            return;
        }
        responses.answerEncoded(request, MessageCodec.encodeResponse(ctx.alloc(), request.correlationId,
            ApiVersionsResponses.ERROR_RESPONSE_HEADER_VERSION, ApiVersionsResponses.ERROR_RESPONSE_VERSION,
            ApiVersionsResponses.unsupportedVersion()));
    }
}
