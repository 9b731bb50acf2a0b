package io.cutover.proxy.server.security;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.security.sasl.SaslClient;
import javax.security.sasl.SaslException;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.SaslAuthenticateRequestData;
import org.apache.kafka.common.message.SaslAuthenticateResponseData;
import org.apache.kafka.common.message.SaslHandshakeRequestData;
import org.apache.kafka.common.message.SaslHandshakeResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * Authenticates a new connection to a broker (after the TLS handshake, if any), as the proxy's
 * service user or as the one client the connection serves (identity modes mapped and passthrough):
 * a SaslHandshake, then SaslAuthenticate round trips until the mechanism completes; success is
 * announced down the pipeline ({@link UpstreamSecurity#AUTHENTICATED}).
 *
 * <p>Until then, whatever the proxy writes on the channel is held here, in order, and counts
 * against the channel's writability, so a client cannot pile up unbounded bytes behind a slow
 * login; on success it is written out and this handler leaves the pipeline. Every response before
 * that is the exchange's own, so the proxy's response handlers behind it never see one, and its
 * correlation ids are negative, unlike any a Kafka client uses. A refusal, a broken exchange or no
 * answer within the timeout fails the channel with an {@link UpstreamAuthenticationException} that
 * says which cluster, mechanism and user: never the password.
 */
final class SaslAuthenticator extends ChannelDuplexHandler {
    private static final short HANDSHAKE_VERSION = 1;
    private static final short AUTHENTICATE_VERSION = 1;
    /** The exchange's messages are tiny; a larger frame means the other side is not in the exchange. */
    private static final int MAX_FRAME_BYTES = 1 << 20;

    private enum State { WAITING, AUTHENTICATING, DONE, FAILED }

    private final String cluster;
    private final SaslCredentials credentials;
    /** The tokens of {@code credentials}' OAuth client; null unless they are a client-credentials grant. */
    private final BearerTokens tokens;
    private final boolean service;
    private final boolean afterTls;
    private final Duration timeout;
    private State state = State.WAITING;
    private PendingWriteQueue held;
    private ByteBuf received;
    private SaslClient sasl;
    private int nextCorrelationId = -1;
    private int awaitedCorrelationId;
    private ApiKeys awaited;
    private short awaitedVersion;
    private ScheduledFuture<?> deadline;

    SaslAuthenticator(String cluster, SaslCredentials credentials, boolean afterTls, Duration timeout) {
        this(cluster, credentials, null, true, afterTls, timeout);
    }

    /**
     * {@code service}: the proxy's own credential, rather than the user of the one client the
     * connection serves; {@code tokens}: where an OAUTHBEARER grant's tokens are held.
     */
    SaslAuthenticator(String cluster, SaslCredentials credentials, BearerTokens tokens, boolean service, boolean afterTls,
                      Duration timeout) {
        this.cluster = cluster;
        this.service = service;
        this.credentials = credentials;
        this.tokens = tokens;
        this.afterTls = afterTls;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        held = new PendingWriteQueue(ctx);
        if (!afterTls && ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (!afterTls) {
            start(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (afterTls && evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
            start(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void start(ChannelHandlerContext ctx) {
        if (state != State.WAITING) {
            return;
        }
        state = State.AUTHENTICATING;
        deadline = ctx.executor().schedule(() -> fail(ctx, "no answer within " + timeout + " (limits.upstream-connect-timeout)", null),
            timeout.toNanos(), TimeUnit.NANOSECONDS);
        send(ctx, ApiKeys.SASL_HANDSHAKE, HANDSHAKE_VERSION, new SaslHandshakeRequestData().setMechanism(credentials.mechanism()));
    }

    private void send(ChannelHandlerContext ctx, ApiKeys api, short version, ApiMessage body) {
        int correlationId = nextCorrelationId--;
        awaited = api;
        awaitedVersion = version;
        awaitedCorrelationId = correlationId;
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId("cutover-proxy");
        ctx.writeAndFlush(MessageCodec.encodeRequest(ctx.alloc(), header, body)).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, "cannot send " + api.name + ": " + f.cause(), f.cause());
            }
        });
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (state) {
            case DONE -> ctx.write(msg, promise);
            case FAILED -> {
                ReferenceCountUtil.release(msg);
                promise.tryFailure(new ClosedChannelException());
            }
            default -> held.add(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        // Held writes are flushed when authentication succeeds.
        if (state == State.DONE) {
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.DONE) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf in = (ByteBuf) msg;
        try {
            if (state != State.AUTHENTICATING) {
                return; // nothing is expected before the exchange starts, nor after it failed
            }
            if (received == null) {
                received = ctx.alloc().heapBuffer(in.readableBytes());
            }
            received.writeBytes(in);
        } finally {
            in.release();
        }
        while (state == State.AUTHENTICATING && received.readableBytes() >= 4) {
            int size = received.getInt(received.readerIndex());
            if (size < ResponseFrames.MIN_FRAME_BYTES - 4 || size > MAX_FRAME_BYTES) {
                fail(ctx, "the broker answered with a " + size + "-byte frame, which is no SASL response: is "
                    + "security.protocol right for this listener?", null);
                return;
            }
            if (received.readableBytes() < 4 + size) {
                return;
            }
            ByteBuf frame = received.readRetainedSlice(4 + size);
            try {
                onResponse(ctx, frame);
            } catch (RuntimeException e) {
                fail(ctx, "unreadable " + awaited.name + " response: " + e.getMessage(), e);
            } finally {
                frame.release();
            }
        }
    }

    private void onResponse(ChannelHandlerContext ctx, ByteBuf frame) {
        int correlationId = ResponseFrames.correlationId(frame);
        if (correlationId != awaitedCorrelationId) {
            fail(ctx, "the broker answered correlation id " + correlationId + " while " + awaited.name + " "
                + awaitedCorrelationId + " was outstanding", null);
            return;
        }
        ApiMessage response = MessageCodec.decodeResponse(frame, awaited, awaitedVersion);
        try {
            if (response instanceof SaslHandshakeResponseData handshake) {
                onHandshake(ctx, handshake);
            } else {
                onAuthenticate(ctx, (SaslAuthenticateResponseData) response);
            }
        } catch (SaslException e) {
            fail(ctx, e.getMessage(), e);
        }
    }

    private void onHandshake(ChannelHandlerContext ctx, SaslHandshakeResponseData handshake) throws SaslException {
        Errors error = Errors.forCode(handshake.errorCode());
        if (error == Errors.UNSUPPORTED_SASL_MECHANISM) {
            fail(ctx, "the broker does not enable " + credentials.mechanism() + "; it enables " + handshake.mechanisms(), null);
            return;
        }
        if (error != Errors.NONE) {
            fail(ctx, "the broker refused the SASL handshake with " + error.name() + ": is security.protocol right for this listener?",
                null);
            return;
        }
        String server = ctx.channel().remoteAddress() instanceof InetSocketAddress remote ? remote.getHostString() : "kafka";
        sasl = SaslClients.create(credentials, tokens, server);
        byte[] first = sasl.hasInitialResponse() ? sasl.evaluateChallenge(new byte[0]) : new byte[0];
        sendAuthenticate(ctx, first);
    }

    private void onAuthenticate(ChannelHandlerContext ctx, SaslAuthenticateResponseData answer) throws SaslException {
        Errors error = Errors.forCode(answer.errorCode());
        if (error != Errors.NONE) {
            String message = answer.errorMessage() == null ? error.message() : answer.errorMessage();
            fail(ctx, error.name() + ": " + message, null, error == Errors.SASL_AUTHENTICATION_FAILED ? message : null);
            return;
        }
        if (!sasl.isComplete()) {
            byte[] next = sasl.evaluateChallenge(answer.authBytes());
            if (!sasl.isComplete() || (next != null && next.length > 0)) {
                sendAuthenticate(ctx, next == null ? new byte[0] : next);
                return;
            }
        }
        succeed(ctx);
    }

    private void sendAuthenticate(ChannelHandlerContext ctx, byte[] bytes) {
        send(ctx, ApiKeys.SASL_AUTHENTICATE, AUTHENTICATE_VERSION, new SaslAuthenticateRequestData().setAuthBytes(bytes));
    }

    private void succeed(ChannelHandlerContext ctx) {
        state = State.DONE;
        deadline.cancel(false);
        dispose();
        ctx.fireUserEventTriggered(UpstreamSecurity.AUTHENTICATED);
        held.removeAndWriteAll();
        ctx.flush();
        if (received.isReadable()) {
            ctx.fireChannelRead(received.readRetainedSlice(received.readableBytes()));
        }
        ctx.pipeline().remove(this);
    }

    /** Fails the channel once: the exception first, so handlers behind see why before the writes fail and the close. */
    private void fail(ChannelHandlerContext ctx, String why, Throwable cause) {
        fail(ctx, why, cause, null);
    }

    private void fail(ChannelHandlerContext ctx, String why, Throwable cause, String brokerRefusal) {
        if (state == State.DONE || state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        if (deadline != null) {
            deadline.cancel(false);
        }
        dispose();
        UpstreamAuthenticationException e = new UpstreamAuthenticationException("cluster " + cluster + " did not authenticate "
            + (service ? "the proxy as " : "the client's user ") + credentials.username() + " with " + credentials.mechanism() + ": "
            + why, cause, brokerRefusal);
        ctx.fireExceptionCaught(e);
        held.removeAndFailAll(e);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (state != State.DONE) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            state = State.FAILED;
            held.removeAndFailAll(new ClosedChannelException());
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (received != null) {
            received.release();
            received = null;
        }
        if (state != State.DONE) {
            held.removeAndFailAll(new ClosedChannelException());
        }
    }

    private void dispose() {
        if (sasl != null) {
            try {
                sasl.dispose();
            } catch (SaslException e) {
                // nothing held worth reporting
            }
        }
    }
}
