package io.cutover.proxy.server.security;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Sits right behind a TLS handler and hands it a large write in pieces, flushing each one.
 *
 * <p>Netty's SslHandler encrypts everything pending before it writes any of it to the socket. A
 * 1 MiB Fetch response would thus reach the client only once all of it is encrypted, and the
 * client's decryption could not start until the proxy's encryption had ended: on a consumer's
 * one-fetch-at-a-time loop the two run one after the other. Flushed in pieces, the client
 * decrypts the first records while the proxy encrypts the rest.
 *
 * <p>Only writes with a void promise are split (the request path's writes to the client); a write
 * whose outcome someone waits for passes whole, as it came.
 */
final class TlsWritePieces extends ChannelOutboundHandlerAdapter {
    /** Not a config key: the system property exists so benchmarks/e2e/run-tls.sh can A/B it (0 = whole). */
    static final int PIECE_BYTES = Integer.getInteger("cutover.tls.piece-bytes", 64 * 1024);

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf buf) || !promise.isVoid() || PIECE_BYTES <= 0 || buf.readableBytes() < 2 * PIECE_BYTES) {
            ctx.write(msg, promise);
            return;
        }
        while (buf.readableBytes() > PIECE_BYTES) {
            ctx.write(buf.readRetainedSlice(PIECE_BYTES), promise);
            ctx.flush();
        }
        ctx.write(buf, promise);
    }
}
