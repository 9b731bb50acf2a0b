package io.cutover.proxy.server.security;

import io.cutover.proxy.core.log.RateLimitedLog;
import io.cutover.proxy.server.wire.DecoderFailure;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import javax.net.ssl.SSLException;

/**
 * Sits right behind the listener's TLS handler: a client that is not speaking TLS (plaintext,
 * garbage), fails the handshake (no or an untrusted certificate) or stalls in it gets one log line
 * and a closed connection, and the TLS error goes no further down the pipeline.
 */
final class TlsRefusals extends ChannelInboundHandlerAdapter {
    private final RateLimitedLog log;
    private boolean reported;

    TlsRefusals(RateLimitedLog log) {
        this.log = log;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            refuse(ctx, done.cause());
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = DecoderFailure.rootOf(cause);
        if (root instanceof SSLException) {
            refuse(ctx, root);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void refuse(ChannelHandlerContext ctx, Throwable cause) {
        if (!reported) {
            reported = true;
            String why = cause instanceof NotSslRecordException ? "it does not speak TLS (a plaintext client on a TLS listener?)"
                : "TLS handshake failed: " + cause.getMessage();
            log.warn("refusing connection from {}: {}", ctx.channel().remoteAddress(), why);
        }
        ctx.close();
    }
}
