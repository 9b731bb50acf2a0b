package io.cutover.proxy.server.net;

import io.cutover.proxy.core.api.ApiVersionsResponses;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers an ApiVersions request at a version newer than the proxy knows, as a broker would: v0,
 * UNSUPPORTED_VERSION, and the range the proxy supports. The client retries within that range, and
 * that request goes upstream (its answer is cut to what the proxy handles on the way back).
 */
final class ApiVersionsResponder extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;

    ApiVersionsResponder(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        short apiKey = RequestFrames.apiKey(frame);
        short version = RequestFrames.apiVersion(frame);
        if (apiKey != ApiKeys.API_VERSIONS.id || version <= ApiKeys.API_VERSIONS.latestVersion()) {
            ctx.fireChannelRead(frame);
            return;
        }
        int correlationId = RequestFrames.correlationId(frame);
        int requestBytes = frame.readableBytes();
        frame.release();
        ByteBuf response = MessageCodec.encodeResponse(ctx.alloc(), correlationId,
            ApiVersionsResponses.ERROR_RESPONSE_HEADER_VERSION, ApiVersionsResponses.ERROR_RESPONSE_VERSION,
            ApiVersionsResponses.unsupportedVersion());
        conn.answerLocally(response, apiKey, version, correlationId, requestBytes);
    }
}
