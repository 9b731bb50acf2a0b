package io.cutover.proxy.server.upstream;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.collection.IntObjectHashMap;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * One of the proxy's own connections to a broker: sends requests with the proxy's correlation ids
 * and completes each request's future with its decoded response. Everything runs on the channel's
 * event loop.
 */
final class LinkChannel extends ChannelInboundHandlerAdapter {
    private record Pending(CompletableFuture<ApiMessage> future, ApiKeys api, short version) {
    }

    private final String describe;
    private final IntObjectHashMap<Pending> pending = new IntObjectHashMap<>();
    private Channel channel;
    private int nextCorrelationId;
    private volatile boolean open = true;

    LinkChannel(String describe) {
        this.describe = describe;
    }

    void attach(Channel ch) {
        this.channel = ch;
    }

    boolean isOpen() {
        return open && channel != null && channel.isActive();
    }

    void channelEventLoopExecute(Runnable task) {
        channel.eventLoop().execute(task);
    }

    void close() {
        if (channel != null) {
            channel.close();
        }
    }

    int pendingCount() {
        return pending.size();
    }

    /** Must be called on the channel's event loop. */
    void send(ApiKeys api, short version, ApiMessage request, CompletableFuture<ApiMessage> future) {
        if (!isOpen()) {
            future.completeExceptionally(new ClusterUnavailableException(describe + " is not connected", null));
            return;
        }
        int correlationId = nextCorrelationId++;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId("cutover-proxy");
        ByteBuf frame = MessageCodec.encodeRequest(channel.alloc(), header, request);
        pending.put(correlationId, new Pending(future, api, version));
        channel.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                Pending p = pending.remove(correlationId);
                if (p != null) {
                    p.future.completeExceptionally(new ClusterUnavailableException("cannot send to " + describe, f.cause()));
                }
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            int correlationId = ResponseFrames.correlationId(frame);
            Pending p = pending.remove(correlationId);
            if (p == null) {
                throw new IllegalStateException(describe + " answered unknown correlation id " + correlationId);
            }
            try {
                // Decoded from a heap copy: record fields of a decoded message are views of the
                // buffer they came from, and this frame goes back to the pool below.
                ByteBuf copy = Unpooled.wrappedBuffer(ByteBufUtil.getBytes(frame));
                ApiMessage response = MessageCodec.decodeResponse(copy, p.api, p.version);
                p.future.complete(response);
            } catch (RuntimeException e) {
                p.future.completeExceptionally(e);
            }
        } finally {
            frame.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new ClusterUnavailableException(describe + " closed the connection", null));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(new ClusterUnavailableException(describe + " failed: " + cause, cause));
        ctx.close();
    }

    private void fail(Throwable cause) {
        open = false;
        for (Pending p : pending.values()) {
            p.future.completeExceptionally(cause);
        }
        pending.clear();
    }
}
