package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.cutover.proxy.server.security.ClientTls;
import io.cutover.proxy.server.security.ListenerSasl;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the request path, one handler per concern: admit the connection, close it
 * when idle, cut frames, read each request's header and decode its body once if anyone after needs
 * it, log the client in (listener.sasl), record the client, capture, hold writes behind a wave's fence, answer what the proxy answers
 * itself, route partitions, coordinators and producer ids, and forward the rest upstream. Under
 * listener.tls.sni the connection's target is known only after its ClientHello: the TLS server name
 * picks it, and everything after admission is built then.
 */
final class ClientChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ProxyContext ctx;
    private final ConnectionCounts connections;
    private final ListenerTargets.Factory targets;
    private final boolean bootstrapListener;
    private final ServerNames serverNames;

    ClientChannelInitializer(ProxyContext ctx, ConnectionCounts connections, ListenerTargets.Factory targets, boolean bootstrapListener) {
        this(ctx, connections, targets, bootstrapListener, null);
    }

    private ClientChannelInitializer(ProxyContext ctx, ConnectionCounts connections, ListenerTargets.Factory targets,
                                     boolean bootstrapListener, ServerNames serverNames) {
        this.ctx = ctx;
        this.connections = connections;
        this.targets = targets;
        this.bootstrapListener = bootstrapListener;
        this.serverNames = serverNames;
    }

    /**
     * listener.tls.sni: one listener for the bootstrap and every broker. The TLS server name each
     * client asks for picks its target, and the request path is built once it is known.
     */
    static ClientChannelInitializer byServerName(ProxyContext ctx, ConnectionCounts connections, ServerNames serverNames) {
        return new ClientChannelInitializer(ctx, connections, null, false, serverNames);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (serverNames != null) {
            ClientTls.installByServerName(ch, new ServerNameRouter(ctx, serverNames, ctx.config().listener().tls()), ctx.connectionLog());
            ch.pipeline()
                .addLast("connection-limit", new ConnectionLimiter(ctx, connections))
                .addLast("await-server-name", new AwaitServerName((at, target, bootstrap) -> requestPath(ch, target, bootstrap)));
            return;
        }
        ClientTls.install(ch, ctx.config().listener().tls(), ctx.connectionLog());
        ch.pipeline().addLast("connection-limit", new ConnectionLimiter(ctx, connections));
        requestPath(ch, targets.create(), bootstrapListener);
    }

    /** Everything after admission, for a connection whose target is known. */
    private void requestPath(SocketChannel ch, UpstreamTarget target, boolean bootstrap) {
        ClientSession session = new ClientSession(ctx, ch, target, bootstrap);
        ConnectionPair pair = new ConnectionPair(session);
        ResponseQueue responses = pair.responses();
        KafkaFrameDecoder frames = new KafkaFrameDecoder(ctx.config().limits().maxRequestFrameBytes(), RequestFrames.MIN_FRAME_BYTES,
            "request", ctx.requestMemory().account(session, pair.clientReads()));
        var inventory = new ClientInventoryRecorder(session);
        var capture = new CaptureHandler(session);
        var fence = new WriteFenceHandler(session, pair.clientReads(), pair, responses);
        var controlPlane = new ControlPlaneResponder(session, responses);
        var partitions = new PartitionRouter(session, responses);
        var coordinators = new CoordinatorRouter(session, responses);
        var producerIds = new ProducerIdRouter(session, responses);
        ListenerSasl sasl = ctx.config().listener().sasl();
        var login = sasl == null ? null : new ClientSaslAuthenticator(session, responses, sasl);
        ch.pipeline()
            .addLast("idle-state", new IdleStateHandler(0, 0, ctx.config().limits().clientIdleTimeout().toMillis(), TimeUnit.MILLISECONDS))
            .addLast("idle-close", new IdleConnectionCloser(session))
            .addLast("frame-decoder", frames)
            .addLast("request-decoder", new RequestDecoder(session, bodyNeeds(login, inventory, capture, fence, controlPlane, partitions,
                coordinators, producerIds)));
        if (login != null) {
            ch.pipeline().addLast("sasl-login", login);
        } else if (CertificateIdentity.needed(ctx, clusterSecurity(session))) {
            ch.pipeline().addLast("certificate-identity", new CertificateIdentity(session, clusterSecurity(session)));
        }
        ch.pipeline()
            .addLast("inventory", inventory)
            .addLast("capture", capture)
            .addLast("write-fence", fence)
            .addLast("api-versions", new ApiVersionsResponder(responses))
            .addLast("control-plane", controlPlane)
            .addLast("partition-router", partitions)
            .addLast("coordinator-router", coordinators)
            .addLast("producer-ids", producerIds)
            .addLast("forwarder", new RequestForwarder(pair, frames, new UpstreamChannelInitializer(session, responses, pair, pair.responseMemory())));
    }

    private io.cutover.proxy.server.security.ClusterSecurity clusterSecurity(ClientSession session) {
        return ctx.config().clusters().get(session.cluster()).security();
    }

    private static BodyNeed[] bodyNeeds(BodyNeed login, BodyNeed... rest) {
        if (login == null) {
            return rest;
        }
        BodyNeed[] all = new BodyNeed[rest.length + 1];
        all[0] = login;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
