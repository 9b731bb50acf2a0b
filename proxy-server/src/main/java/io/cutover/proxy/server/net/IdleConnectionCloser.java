package io.cutover.proxy.server.net;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes a client connection that has been silent in both directions past the idle timeout. */
final class IdleConnectionCloser extends ChannelInboundHandlerAdapter {
    private final ClientSession session;

    IdleConnectionCloser(ClientSession session) {
        this.session = session;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            session.closeIdle();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
