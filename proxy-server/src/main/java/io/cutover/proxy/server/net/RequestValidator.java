package io.cutover.proxy.server.net;

import io.cutover.proxy.core.api.ApiHandling;
import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Refuses a request the proxy cannot forward safely: an unknown or hidden API key, a version the
 * proxy does not accept, or a header that runs past its frame. A broker closes the connection in
 * these cases, and so does the proxy, after one log line. ApiVersions at an unknown version passes:
 * the protocol has an answer for it.
 */
final class RequestValidator extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private boolean first = true;

    RequestValidator(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            if (!valid(frame)) {
                return;
            }
        } catch (RuntimeException e) {
            conn.refuseMalformed(frame, "request header", e);
            return;
        }
        ctx.fireChannelRead(frame);
    }

    /** False when the frame was refused (and released). */
    private boolean valid(ByteBuf frame) {
        short apiKey = RequestFrames.apiKey(frame);
        short version = RequestFrames.apiVersion(frame);
        if (first) {
            first = false;
            conn.rememberClientId(frame);
        }
        if (!ApiKeys.hasId(apiKey) || ApiSupport.handling(apiKey) == ApiHandling.HIDDEN) {
            refuse(frame, ProxyError.UNKNOWN_API_KEY, "unknown or unsupported API key " + apiKey + " (version " + version + ")");
            return false;
        }
        ApiKeys api = ApiKeys.forId(apiKey);
        if (api != ApiKeys.API_VERSIONS && !ApiSupport.accepts(apiKey, version)) {
            refuse(frame, ProxyError.UNSUPPORTED_VERSION, api.name + " v" + version + " is outside the versions the proxy accepts ("
                + ApiSupport.minVersion(apiKey) + ".." + ApiSupport.maxVersion(apiKey) + ")");
            return false;
        }
        conn.context().observations().used(apiKey, version);
        try {
            RequestFrames.bodyOffset(frame, api.requestHeaderVersion(version));
        } catch (MalformedFrameException e) {
            refuse(frame, ProxyError.MALFORMED_FRAME, "malformed " + api.name + " request header: " + e.getMessage());
            return false;
        }
        return true;
    }

    private void refuse(ByteBuf frame, ProxyError error, String reason) {
        frame.release();
        conn.fail(error, reason);
    }
}
