package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.security.ListenerTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;
import java.util.List;

/**
 * First in a client connection's pipeline under listener.tls.sni. It reads the ClientHello, asks
 * {@link ServerNames} once what the server name stands for, and then either hands the connection on
 * (the request path is built for that target, and the listener's TLS handler takes this handler's
 * place and reads the same ClientHello), or refuses it as a TLS server refuses a name it does not
 * serve: a fatal unrecognized_name alert, then close, with one line in the connection log. Nothing
 * past the handshake ever sees this handler.
 */
final class ServerNameRouter extends AbstractSniHandler<ServerNames.Choice> {
    /**
     * A TLS alert record: type alert (21), record version TLS 1.2 (what TLS 1.3 writes too), length 2,
     * level fatal (2), description unrecognized_name (112, RFC 6066).
     */
    private static final byte[] UNRECOGNIZED_NAME = {21, 3, 3, 0, 2, 2, 112};

    private final ProxyContext proxy;
    private final ServerNames names;
    private final ListenerTls tls;
    /** Set once the server name is looked at: nothing is decided twice, and a refused client's bytes are dropped. */
    private boolean decided;

    ServerNameRouter(ProxyContext proxy, ServerNames names, ListenerTls tls) {
        super(ListenerTls.HANDSHAKE_TIMEOUT_MILLIS);
        this.proxy = proxy;
        this.names = names;
        this.tls = tls;
    }

    /** Fired down the pipeline once the server name picked a target; {@link AwaitServerName} builds the request path. */
    record Routed(UpstreamTarget target, boolean bootstrapListener) {
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        // Child channels start with autoRead off; the ClientHello is read here, later reads are the request path's.
        ctx.read();
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (decided) {
            // The ClientHello stays in the decoder's buffer after a lookup, for the TLS handler that takes
            // over; where none does (refused, or closed meanwhile) it is dropped rather than looked at again.
            in.skipBytes(in.readableBytes());
            return;
        }
        super.decode(ctx, in, out);
    }

    @Override
    protected Future<ServerNames.Choice> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(names.choose(hostname));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<ServerNames.Choice> future) {
        decided = true;
        ServerNames.Choice choice = future.getNow();
        if (choice instanceof ServerNames.Chosen chosen) {
            ctx.fireUserEventTriggered(new Routed(chosen.target(), chosen.bootstrapListener()));
            if (ctx.channel().isActive()) {
                // The TLS handler takes this place; the ClientHello read so far is passed on to it.
                ctx.pipeline().replace(this, "tls", tls.newHandler(ctx.alloc()));
            }
            return;
        }
        ServerNames.Refused refused = (ServerNames.Refused) choice;
        proxy.metrics().proxyError(ProxyError.UNKNOWN_SERVER_NAME);
        proxy.connectionLog().warn("refusing connection from {}: {} (listener.tls.sni)", ctx.channel().remoteAddress(), refused.why());
        ctx.writeAndFlush(Unpooled.wrappedBuffer(UNRECOGNIZED_NAME)).addListener(ChannelFutureListener.CLOSE);
    }
}
