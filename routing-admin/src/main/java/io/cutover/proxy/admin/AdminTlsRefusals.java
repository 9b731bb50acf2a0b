package io.cutover.proxy.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On an HTTPS admin endpoint: a connection that speaks plain HTTP, or whose handshake fails, is
 * closed with one log line saying why (at most one a second, so a scanner cannot flood the log).
 */
final class AdminTlsRefusals extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(AdminTlsRefusals.class);
    private static final AtomicLong LAST_LOG_NANOS = new AtomicLong(System.nanoTime() - 2_000_000_000L);

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
            refuse(ctx, e.cause());
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SSLException) {
            refuse(ctx, root);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private static void refuse(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel().isActive()) {
            long now = System.nanoTime();
            long last = LAST_LOG_NANOS.get();
            if (now - last > 1_000_000_000L && LAST_LOG_NANOS.compareAndSet(last, now)) {
                SocketAddress peer = ctx.channel().remoteAddress();
                LOG.warn("admin endpoint: closed a connection from {}: {}", peer, cause instanceof NotSslRecordException
                    ? "it did not speak TLS (the admin endpoint is https:// only, admin.tls)" : "TLS handshake failed: " + cause.getMessage());
            }
            ctx.close();
        }
    }
}
