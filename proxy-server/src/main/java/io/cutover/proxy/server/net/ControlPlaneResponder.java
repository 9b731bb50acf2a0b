package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.route.ControlPlaneAnswers;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Answers ApiVersions, Metadata, FindCoordinator and DescribeCluster from the proxy's own links to
 * the clusters, whichever broker port the request came in on: what a client learns about the
 * cluster must cover every cluster it may be routed to, not only the one behind its connection.
 */
final class ControlPlaneResponder extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private final ControlPlaneAnswers answers;

    ControlPlaneResponder(ProxyConnection conn) {
        this.conn = conn;
        this.answers = conn.context().answers();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        short apiKey = RequestFrames.apiKey(frame);
        if (!ControlPlaneAnswers.answers(apiKey)) {
            ctx.fireChannelRead(frame);
            return;
        }
        ApiKeys api = ApiKeys.forId(apiKey);
        short version = RequestFrames.apiVersion(frame);
        int correlationId = RequestFrames.correlationId(frame);
        int bytes = frame.readableBytes();
        ApiMessage request;
        try {
            request = MessageCodec.decodeRequest(frame, api, version);
        } catch (RuntimeException e) {
            // The finally below releases the frame: fail only closes.
            conn.fail(ProxyError.MALFORMED_FRAME, "malformed " + api.name + " request: "
                + (e instanceof MalformedFrameException ? e.getMessage() : e.toString()));
            return;
        } finally {
            frame.release();
        }
        conn.answerLater(api, version, correlationId, bytes, answers.answer(api, version, request, conn.routes()));
    }
}
