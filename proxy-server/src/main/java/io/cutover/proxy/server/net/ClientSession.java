package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MalformedFrameException;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.PrincipalRecord;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.security.UpstreamAuthenticationException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.common.protocol.Errors;

/**
 * What the handlers of one client connection know about it: which listener and cluster it is on,
 * who the client is, the routes as it sees them, and how to close it. Confined to the connection's
 * event loop.
 */
final class ClientSession {
    private static final AtomicLong CONNECTION_IDS = new AtomicLong();

    private final ProxyContext proxy;
    private final Channel client;
    private final UpstreamTarget target;
    private final boolean bootstrapListener;
    private final long connectionId = CONNECTION_IDS.incrementAndGet();
    private final RewriteContext rewrite;
    private final StaleClientMark stale;
    private String clientId;
    private ClientSelector.ClientIdentity identity;
    private ClientRoutes routes;
    private boolean closed;
    private String principal;
    private boolean certificateLooked;
    private boolean oldScramNonce;
    private PrincipalRecord.Traffic traffic;
    private Runnable onClose = () -> { };
    /** Who the connection to the cluster authenticates as; null for the cluster's service credential. */
    private SaslCredentials upstreamCredentials;
    /** Set while the client's login waits for the cluster's verdict (identity mode passthrough). */
    private Consumer<UpstreamAuthenticationException> clusterVerdict;

    ClientSession(ProxyContext proxy, Channel client, UpstreamTarget target, boolean bootstrapListener) {
        this.proxy = proxy;
        this.client = client;
        this.target = target;
        this.bootstrapListener = bootstrapListener;
        this.rewrite = proxy.routing().context().rewrite(target.cluster());
        this.stale = new StaleClientMark(proxy.metrics(), target.cluster());
    }

    ProxyContext proxy() {
        return proxy;
    }

    Channel client() {
        return client;
    }

    UpstreamTarget target() {
        return target;
    }

    /** The cluster this connection's upstream belongs to. */
    String cluster() {
        return target.cluster();
    }

    boolean bootstrapListener() {
        return bootstrapListener;
    }

    long connectionId() {
        return connectionId;
    }

    RewriteContext rewriteContext() {
        return rewrite;
    }

    StaleClientMark stale() {
        return stale;
    }

    /** The route table as this client sees it; rebuilt only when the table changed. */
    ClientRoutes routes() {
        ClientRoutes current = proxy.routing().routesFor(identity(), routes);
        routes = current;
        return current;
    }

    ClientSelector.ClientIdentity identity() {
        if (identity == null) {
            InetSocketAddress remote = (InetSocketAddress) client.remoteAddress();
            identity = new ClientSelector.ClientIdentity(clientId, remote == null ? null : remote.getAddress());
        }
        return identity;
    }

    /** The client as a group member, as the inventory names it: client.id and address (asked only while a wave's rejoin gate stands). */
    String memberKey() {
        var address = identity().address();
        return ClientInventory.memberKey(clientId, address == null ? "?" : address.getHostAddress());
    }

    String clientId() {
        return clientId;
    }

    /** Reads the client id from the connection's first request; later requests are not read for it. */
    void rememberClientId(ByteBuf firstFrame) {
        if (clientId == null) {
            String id = RequestFrames.clientId(firstFrame);
            clientId = id == null ? "" : id;
        }
    }

    // ---- closing ----------------------------------------------------------------------------

    /** Runs once, when this connection closes for any reason: the connection pair cleans up. */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    /**
     * Who the client is: the user it logged in to the proxy as (listener.sasl), else the subject of
     * the certificate it presented (listener.tls with client-auth, mapped by principal-mapping-rules),
     * else null.
     */
    String principal() {
        if (principal == null && !certificateLooked) {
            var tls = proxy.config().listener().tls();
            var handler = tls == null ? null : client.pipeline().get(io.netty.handler.ssl.SslHandler.class);
            if (handler != null && handler.handshakeFuture().isSuccess()) {
                certificateLooked = true;
                principal = tls.principalOf(handler.engine().getSession());
            }
        }
        return principal;
    }

    /** Where this connection's bytes count for its principal (quotas-on-target); set once the client logged in. */
    void traffic(PrincipalRecord.Traffic traffic) {
        this.traffic = traffic;
    }

    /** A Fetch response on its way to the client: a fetch quota counts the response's bytes. */
    void fetchResponse(int bytes) {
        if (traffic != null) {
            traffic.fetched(bytes, System.currentTimeMillis());
        }
    }

    void reauthenticated(String user) {
        proxy.connectionLog().info("{} logged in again as {} (KIP-368)", describeClient(), user);
    }

    /** The client logged in with librdkafka's repeated SCRAM nonce (listener.sasl.accept-old-librdkafka-nonce). */
    boolean oldScramNonce() {
        return oldScramNonce;
    }

    void authenticated(String user, boolean oldLibrdkafkaNonce) {
        this.principal = user;
        this.oldScramNonce = oldLibrdkafkaNonce;
        proxy.connectionLog().info("{} logged in as {}{}", describeClient(), user, oldLibrdkafkaNonce
            ? " (a librdkafka before 2.6.1: its repeated SCRAM nonce was accepted; a Kafka 4.x broker would refuse it)" : "");
    }

    /** The client's own credentials on the cluster (identity modes mapped and passthrough); null means the service credential. */
    SaslCredentials upstreamCredentials() {
        return upstreamCredentials;
    }

    void upstreamCredentials(SaslCredentials credentials) {
        this.upstreamCredentials = credentials;
    }

    /** Holds the client's login until the cluster has authenticated its credentials; {@code verdict} gets null when it did. */
    void awaitClusterVerdict(Consumer<UpstreamAuthenticationException> verdict) {
        this.clusterVerdict = verdict;
    }

    void clusterAccepted() {
        Consumer<UpstreamAuthenticationException> v = clusterVerdict;
        clusterVerdict = null;
        if (v != null) {
            v.accept(null);
        }
    }

    /** False when no login was waiting for the verdict. */
    boolean clusterRefused(UpstreamAuthenticationException e) {
        Consumer<UpstreamAuthenticationException> v = clusterVerdict;
        clusterVerdict = null;
        if (v == null) {
            return false;
        }
        v.accept(e);
        return true;
    }

    boolean isClosed() {
        return closed;
    }

    /** Marks the connection closed; false when it already was. */
    boolean markClosed() {
        if (closed) {
            return false;
        }
        closed = true;
        return true;
    }

    /** Logs one line, counts the error, and closes this connection pair only. */
    void fail(ProxyError error, String reason) {
        if (closed) {
            return;
        }
        proxy.metrics().proxyError(error);
        proxy.connectionLog().warn("closing {}: {} ({})", describeClient(), reason, error);
        close();
    }

    /**
     * Like {@link #fail}, once what was already answered has reached the client: a refused login
     * gets its error answer before the connection closes, as from a broker.
     */
    void failAfterAnswers(ProxyError error, String reason) {
        if (closed) {
            return;
        }
        proxy.metrics().proxyError(error);
        proxy.connectionLog().warn("closing {}: {} ({})", describeClient(), reason, error);
        client.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(f -> close());
    }

    /**
     * Refuses a request a handler could not read: releases it and closes the connection as for any
     * malformed request. Whatever a handler throws while reading a client's bytes, the bytes are
     * what was wrong; a bug only such bytes reach is named in the log line (exception and where it
     * was thrown) so it can be found.
     */
    void refuseMalformed(RequestFrame request, RuntimeException e) {
        request.release();
        fail(ProxyError.MALFORMED_FRAME, "malformed " + request.api.name + " request: " + describe(e));
    }

    void refuseMalformed(ByteBuf frame, String what, RuntimeException e) {
        frame.release();
        fail(ProxyError.MALFORMED_FRAME, "malformed " + what + ": " + describe(e));
    }

    private static String describe(RuntimeException e) {
        if (e instanceof MalformedFrameException) {
            return e.getMessage();
        }
        StackTraceElement[] trace = e.getStackTrace();
        return e + (trace.length == 0 ? "" : " at " + trace[0]);
    }

    /** Closes a client that cannot be told to move any other way; it reconnects and refreshes. */
    void closeForRouting(String why) {
        if (closed) {
            return;
        }
        proxy.metrics().forcedRefresh(Errors.NOT_LEADER_OR_FOLLOWER, 1);
        proxy.connectionLog().info("closing {}: {}", describeClient(), why);
        close();
    }

    void closeIdle() {
        if (closed) {
            return;
        }
        proxy.metrics().proxyError(ProxyError.IDLE_TIMEOUT);
        proxy.connectionLog().info("closing {}: idle for {} (limits.client-idle-timeout)", describeClient(),
            proxy.config().limits().clientIdleTimeout());
        close();
    }

    private void close() {
        client.close();
        onClose.run();
    }

    String describeClient() {
        return "client " + client.remoteAddress() + (clientId == null || clientId.isEmpty() ? "" : " (client.id " + clientId + ")")
            + " on the " + (bootstrapListener ? "bootstrap listener" : "listener for " + target.describe());
    }
}
