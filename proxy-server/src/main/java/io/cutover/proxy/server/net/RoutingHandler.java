package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the three routers share: with two clusters, a request of an API the router handles is
 * routed, and goes on only if it was not answered here; anything else passes untouched. A request
 * the router cannot read is refused as malformed. With one cluster every request passes.
 */
abstract class RoutingHandler extends ChannelInboundHandlerAdapter implements BodyNeed {
    final ClientSession session;
    final ResponseReceiver responses;
    private final boolean active;

    RoutingHandler(ClientSession session, ResponseReceiver responses) {
        this.session = session;
        this.responses = responses;
        this.active = session.proxy().routing().context().virtualize();
    }

    /** True for the APIs this router routes. */
    abstract boolean routes(ApiKeys api);

    /** Routes one request of such an API; true when it goes on upstream, false when answered here. */
    abstract boolean route(RequestFrame request);

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        return active && routes(api);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        if (!active || !routes(request.api)) {
            ctx.fireChannelRead(request);
            return;
        }
        boolean forward;
        try {
            forward = route(request);
        } catch (RuntimeException e) {
            session.refuseMalformed(request, e);
            return;
        }
        if (forward) {
            ctx.fireChannelRead(request);
        }
    }
}
