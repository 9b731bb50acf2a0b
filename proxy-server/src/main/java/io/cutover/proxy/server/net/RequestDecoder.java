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
 * Turns each frame into a {@link RequestFrame}: checks the header (a known API, a version the proxy
 * accepts, a header that fits the frame), reads api key, version and correlation id once, and
 * decodes the body once if any handler after it needs it, asking each one's {@link BodyNeed}. A
 * request nobody needs decoded goes on as the client's bytes. A request that cannot be read is
 * refused here, with one log line, and the connection closed.
 */
final class RequestDecoder extends ChannelInboundHandlerAdapter {
    private final ClientSession session;
    private final BodyNeed[] needs;
    private boolean first = true;

    RequestDecoder(ClientSession session, BodyNeed... needs) {
        this.session = session;
        this.needs = needs;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        RequestFrame request;
        try {
            request = header(frame);
        } catch (RuntimeException e) {
            session.refuseMalformed(frame, "request header", e);
            return;
        }
        if (request == null) {
            return;
        }
        try {
            if (needed(request.api, request.apiVersion)) {
                request.body();
            }
        } catch (RuntimeException e) {
            session.refuseMalformed(request, e);
            return;
        }
        ctx.fireChannelRead(request);
    }

    private boolean needed(ApiKeys api, short version) {
        for (BodyNeed need : needs) {
            if (need.needsBody(api, version)) {
                return true;
            }
        }
        return false;
    }

    /** The request, or null when it was refused (and released). */
    private RequestFrame header(ByteBuf frame) {
        short apiKey = RequestFrames.apiKey(frame);
        short version = RequestFrames.apiVersion(frame);
        if (first) {
            first = false;
            session.rememberClientId(frame);
        }
        if (!ApiKeys.hasId(apiKey) || ApiSupport.handling(apiKey) == ApiHandling.HIDDEN) {
            return refuse(frame, ProxyError.UNKNOWN_API_KEY, "unknown or unsupported API key " + apiKey + " (version " + version + ")");
        }
        ApiKeys api = ApiKeys.forId(apiKey);
        if (api != ApiKeys.API_VERSIONS && !ApiSupport.accepts(apiKey, version)) {
            return refuse(frame, ProxyError.UNSUPPORTED_VERSION, api.name + " v" + version + " is outside the versions the proxy accepts ("
                + ApiSupport.minVersion(apiKey) + ".." + ApiSupport.maxVersion(apiKey) + ")");
        }
        session.proxy().observations().used(apiKey, version);
        try {
            RequestFrames.bodyOffset(frame, api.requestHeaderVersion(version));
        } catch (MalformedFrameException e) {
            return refuse(frame, ProxyError.MALFORMED_FRAME, "malformed " + api.name + " request header: " + e.getMessage());
        }
        return new RequestFrame(frame, api, version, RequestFrames.correlationId(frame));
    }

    private RequestFrame refuse(ByteBuf frame, ProxyError error, String reason) {
        frame.release();
        session.fail(error, reason);
        return null;
    }
}
