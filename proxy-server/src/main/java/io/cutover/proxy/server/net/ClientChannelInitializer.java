package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.security.ClientTls;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the request path, one handler per concern:
 * admit the connection, close it when idle, cut frames, validate headers, answer what the proxy
 * answers itself, forward the rest upstream.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyContext ctx;
    private final ConnectionCounts connections;
    private final ListenerTargets.Factory targets;
    private final boolean bootstrapListener;

    ClientChannelInitializer(ProxyContext ctx, ConnectionCounts connections, ListenerTargets.Factory targets, boolean bootstrapListener) {
        this.ctx = ctx;
        this.connections = connections;
        this.targets = targets;
        this.bootstrapListener = bootstrapListener;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ProxyConnection conn = new ProxyConnection(ctx, ch, targets.create(), bootstrapListener);
        KafkaFrameDecoder frames = new KafkaFrameDecoder(ctx.config().limits().maxRequestFrameBytes(),
            RequestFrames.MIN_FRAME_BYTES, "request");
        ClientTls.install(ch, ctx.config().listener().tls(), ctx.connectionLog());
        ch.pipeline()
            .addLast("connection-limit", new ConnectionLimiter(ctx, connections))
            .addLast("idle-state", new IdleStateHandler(0, 0, ctx.config().limits().clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS))
            .addLast("idle-close", new IdleConnectionCloser(conn))
            .addLast("frame-decoder", frames)
            .addLast("request-validator", new RequestValidator(conn))
            .addLast("inventory", new ClientInventoryRecorder(conn))
            .addLast("capture", new RequestCapture(conn))
            .addLast("write-fence", new WriteFenceHandler(conn))
            .addLast("api-versions", new ApiVersionsResponder(conn))
            .addLast("control-plane", new ControlPlaneResponder(conn))
            .addLast("request-router", new RequestRouter(conn))
            .addLast("forwarder", new RequestForwarder(conn, frames));
    }
}
