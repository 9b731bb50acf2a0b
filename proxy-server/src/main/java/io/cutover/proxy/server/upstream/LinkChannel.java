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
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of the proxy's own connections to a broker: sends requests with the proxy's correlation ids
 * and completes each request's future with its decoded response. Everything runs on the channel's
 * event loop.
 *
 * <p>Every request expires after the request timeout. A broker that stops answering without closing
 * (a blackholed host: packets dropped, no reset) would otherwise hold the request, and everything
 * queued behind it on this connection, until TCP gives up minutes later; on expiry the connection
 * is closed, so every other request on it fails at once and the next one connects afresh.
 */
final class LinkChannel extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(LinkChannel.class);

    private record Pending(CompletableFuture<ApiMessage> future, ApiKeys api, short version, ScheduledFuture<?> expiry) {
    }

    private final String describe;
    private final Duration requestTimeout;
    private final IntObjectHashMap<Pending> pending = new IntObjectHashMap<>();
    private Channel channel;
    private int nextCorrelationId;
    private volatile boolean open = true;

    LinkChannel(String describe, Duration requestTimeout) {
        this.describe = describe;
        this.requestTimeout = requestTimeout;
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
        ScheduledFuture<?> expiry = channel.eventLoop().schedule(() -> expire(correlationId), requestTimeout.toNanos(),
            TimeUnit.NANOSECONDS);
        pending.put(correlationId, new Pending(future, api, version, expiry));
        channel.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                Pending p = pending.remove(correlationId);
                if (p != null) {
                    p.expiry.cancel(false);
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
            p.expiry.cancel(false);
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

    /** The broker did not answer in time: fail the request and drop the connection it is stuck on. */
    private void expire(int correlationId) {
        Pending p = pending.remove(correlationId);
        if (p == null) {
            return;
        }
        String why = describe + " did not answer " + p.api.name + " within " + requestTimeout + " (limits.upstream-request-timeout)";
        LOG.warn("{}; closing the connection", why);
        p.future.completeExceptionally(new ClusterUnavailableException(why, null));
        fail(new ClusterUnavailableException(describe + ": connection closed after " + p.api.name + " expired", null));
        channel.close();
    }

    private void fail(Throwable cause) {
        open = false;
        for (Pending p : pending.values()) {
            p.expiry.cancel(false);
            p.future.completeExceptionally(cause);
        }
        pending.clear();
    }
}
