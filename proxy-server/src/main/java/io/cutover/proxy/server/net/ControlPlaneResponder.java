package io.cutover.proxy.server.net;

import io.cutover.proxy.server.route.ControlPlane;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Answers ApiVersions, Metadata, FindCoordinator and DescribeCluster from the proxy's own links to
 * the clusters, whichever broker port the request came in on: what a client learns about the
 * cluster must cover every cluster it may be routed to, not only the one behind its connection.
 */
final class ControlPlaneResponder extends ChannelInboundHandlerAdapter implements BodyNeed {
    private final ClientSession session;
    private final ResponseReceiver responses;
    private final ControlPlane answers;

    ControlPlaneResponder(ClientSession session, ResponseReceiver responses) {
        this.session = session;
        this.responses = responses;
        this.answers = session.proxy().answers();
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        return ControlPlane.answers(api.id);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        if (!ControlPlane.answers(request.apiKey())) {
            ctx.fireChannelRead(request);
            return;
        }
        responses.answerLater(request, answers.answer(request.api, request.apiVersion, request.body(), session.routes()));
    }
}
