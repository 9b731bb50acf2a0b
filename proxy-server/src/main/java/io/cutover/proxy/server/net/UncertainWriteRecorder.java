package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ProduceResponseErrors;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Notes each Produce the broker answered REQUEST_TIMED_OUT as a write of unknown outcome (see
 * {@link UncertainWrites}), so a wave's drain waits for it. Only in the pipeline when the proxy
 * fronts two clusters: with one there is no switch to protect.
 */
final class UncertainWriteRecorder extends ChannelInboundHandlerAdapter {
    private final ClientSession session;

    UncertainWriteRecorder(ClientSession session) {
        this.session = session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        InFlightRequest slot = (InFlightRequest) msg;
        if (slot.apiKey == ApiKeys.PRODUCE.id && ProduceResponseErrors.anyTimedOut(slot.response, slot.apiVersion)) {
            PendingProduces.recordTimedOut(slot, session.cluster(), session.proxy().connections().uncertain(),
                session.rewriteContext().topicIds(), System.nanoTime());
        }
        ctx.fireChannelRead(slot);
    }
}
