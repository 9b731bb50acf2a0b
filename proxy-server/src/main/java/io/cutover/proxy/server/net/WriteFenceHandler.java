package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.wave.WriteFence;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Holds a connection's requests while a wave's write fence stands: from the first Produce naming a
 * fenced topic (or offset commit naming a fenced group), that request and every later one of the
 * connection wait here, in order, and the connection is not read. Nothing has been answered or
 * forwarded for them yet, so on release they continue down the pipeline as if just received, and
 * the router sends them wherever the routes then say. With no fence standing this is one volatile
 * read per request.
 */
final class WriteFenceHandler extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private ArrayDeque<ByteBuf> held;
    private WriteFence holdingFor;
    private ChannelHandlerContext ctx;

    WriteFenceHandler(ProxyConnection conn) {
        this.conn = conn;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (held != null) {
            held.add(frame);
            holdingFor.held(frame.readableBytes());
            return;
        }
        WriteFence fence = conn.context().fences().active();
        boolean hold;
        try {
            hold = fence != null && fence.covers(conn.cluster(), conn.identity()) && fenced(frame, fence);
        } catch (RuntimeException e) {
            conn.refuseMalformed(frame, "request", e);
            return;
        }
        if (hold) {
            held = new ArrayDeque<>();
            held.add(frame);
            holdingFor = fence;
            conn.pauseForFence();
            fence.held(frame.readableBytes());
            fence.holding(() -> ctx.channel().eventLoop().execute(this::release));
            return;
        }
        ctx.fireChannelRead(frame);
    }

    private boolean fenced(ByteBuf frame, WriteFence fence) {
        short key = RequestFrames.apiKey(frame);
        if (key == ApiKeys.PRODUCE.id) {
            ProduceRequestData p = (ProduceRequestData) decode(frame, ApiKeys.PRODUCE);
            if (p == null) {
                return false;
            }
            for (var t : p.topicData()) {
                String name = t.name() != null && !t.name().isEmpty() ? t.name() : conn.rewriteContext().topicIds().nameOfVirtual(t.topicId());
                if (name != null && fence.topics().contains(name)) {
                    return true;
                }
            }
            return false;
        }
        if (key == ApiKeys.OFFSET_COMMIT.id) {
            OffsetCommitRequestData c = (OffsetCommitRequestData) decode(frame, ApiKeys.OFFSET_COMMIT);
            return c != null && fence.groups().contains(c.groupId());
        }
        if (key == ApiKeys.TXN_OFFSET_COMMIT.id) {
            TxnOffsetCommitRequestData c = (TxnOffsetCommitRequestData) decode(frame, ApiKeys.TXN_OFFSET_COMMIT);
            return c != null && fence.groups().contains(c.groupId());
        }
        return false;
    }

    private static org.apache.kafka.common.protocol.ApiMessage decode(ByteBuf frame, ApiKeys api) {
        try {
            return MessageCodec.decodeRequest(frame, api, RequestFrames.apiVersion(frame));
        } catch (RuntimeException e) {
            return null; // the router reports a malformed request when it reaches it
        }
    }

    /** Sends the held requests on, in order, and reads the connection again. */
    private void release() {
        ArrayDeque<ByteBuf> frames = held;
        if (frames == null) {
            return;
        }
        held = null;
        holdingFor = null;
        ByteBuf f;
        while ((f = frames.poll()) != null) {
            if (conn.isClosed()) {
                f.release();
            } else {
                ctx.fireChannelRead(f);
            }
        }
        conn.flushUpstream();
        conn.flushClient();
        conn.resumeAfterFence();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (held != null) {
            held.forEach(ByteBuf::release);
            held = null;
        }
        super.channelInactive(ctx);
    }
}
