package io.cutover.proxy.server.net;

import io.cutover.proxy.core.capture.Capture;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.net.InetSocketAddress;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Offers a running capture this connection's requests as the client sent them, and their responses
 * as the client receives them. Whether the capture's filter selects this connection is decided
 * once per capture; the capture's topic filter needs the request decoded, which this handler asks
 * of RequestDecoder only while such a capture runs. With no capture running, this is one volatile
 * read per request. The principal the client logged in as is recorded once, before its first request
 * after the login.
 */
final class CaptureHandler extends ChannelDuplexHandler implements BodyNeed {
    private final ClientSession session;
    private final int inFlightLimit;
    /** The capture this connection last saw, whether it selects this connection, and its requests awaiting responses. */
    private Capture capture;
    private boolean selected;
    private CapturedRequests awaiting;
    /** The principal this connection's capture has recorded, so a login is written once per capture. */
    private String recordedPrincipal;
    private final boolean editedInPlace;

    CaptureHandler(ClientSession session) {
        this.session = session;
        this.inFlightLimit = session.proxy().config().limits().maxInFlightRequestsPerConnection();
        this.editedInPlace = session.proxy().routing().context().virtualize();
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        Capture running = session.proxy().captures().active();
        return running != null && running.spec().filter().filtersTopics() && RequestedTopics.namesTopics(api);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Capture running = session.proxy().captures().active();
        if (running != null) {
            RequestFrame request = (RequestFrame) msg;
            try {
                offer(running, request);
            } catch (RuntimeException e) {
                session.refuseMalformed(request, e);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void offer(Capture running, RequestFrame request) {
        if (running != capture) {
            capture = running;
            selected = running.spec().filter().matchesConnection(session.bootstrapListener(), session.target().virtualNodeId(),
                session.clientId());
            recordedPrincipal = null;
            if (selected) {
                running.connectionSelected();
                if (awaiting == null) {
                    awaiting = new CapturedRequests(inFlightLimit + 1);
                }
                awaiting.clear();
            }
        }
        if (!selected || !running.isRunning()) {
            return;
        }
        // Whom the client logged in as, before its first request since: a rehearsal replays the
        // connection as that principal's identity. Only the name is written, never a secret.
        String principal = session.principal();
        if (principal != null && !principal.equals(recordedPrincipal)) {
            recordedPrincipal = principal;
            running.loggedIn(session.connectionId(), remote(), local(), principal);
        }
        var filter = running.spec().filter();
        if (filter.filtersTopics() && request.isDecoded()) {
            var ids = session.rewriteContext().topicIds();
            if (!filter.matchesTopics(RequestedTopics.of(request.body(), id -> ids.nameOf(session.cluster(), id)))) {
                return;
            }
        }
        // With two clusters the routers edit requests in place (real topic ids, producer ids) after
        // this, while the capture's writer may still be reading the bytes: it gets its own copy of
        // what the client sent. Only while a capture selects this connection.
        ByteBuf frame = request.frame();
        ByteBuf offered = editedInPlace ? frame.copy() : frame;
        boolean taken;
        try {
            taken = running.offer(session.connectionId(), remote(), local(), true, offered);
        } finally {
            if (offered != frame) {
                offered.release();
            }
        }
        if (taken && request.expectsResponse()) {
            awaiting.add(request.correlationId);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Capture running = capture;
        if (selected && msg instanceof ByteBuf response && response.readableBytes() >= ResponseFrames.MIN_FRAME_BYTES
            && awaiting.takeIfHead(ResponseFrames.correlationId(response)) && running.isRunning()) {
            running.offer(session.connectionId(), remote(), local(), false, response);
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (selected) {
            capture.closed(session.connectionId(), true);
        }
        ctx.fireChannelInactive();
    }

    private InetSocketAddress remote() {
        return (InetSocketAddress) session.client().remoteAddress();
    }

    private InetSocketAddress local() {
        return (InetSocketAddress) session.client().localAddress();
    }
}
