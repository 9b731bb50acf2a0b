package io.cutover.proxy.server.net;

import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.security.ClusterSecurity;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;

/**
 * Identity mode mapped for clients known by their TLS certificate alone (client-auth required, no
 * listener.sasl): once the handshake has shown the certificate, its principal (after
 * principal-mapping-rules) picks the client's user on the cluster from identity.mapping-file, and
 * only then does the connection to the cluster open, as that user. A principal with no user there
 * is closed at once, as a broker closes a client whose certificate it does not accept, with one
 * line in the connection log; so is a mapped user the cluster refuses.
 */
final class CertificateIdentity extends ChannelInboundHandlerAdapter {
    private final ClientSession session;
    private final ClusterSecurity cluster;

    CertificateIdentity(ClientSession session, ClusterSecurity cluster) {
        this.session = session;
        this.cluster = cluster;
    }

    /** True when a connection to {@code cluster} must wait for its certificate's principal to be mapped. */
    static boolean needed(ProxyContext proxy, ClusterSecurity cluster) {
        return proxy.config().listener().sasl() == null && proxy.config().listener().tls() != null
            && cluster.config().usesSasl() && cluster.identity() == IdentityMode.MAPPED;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            ctx.pipeline().remove(this);
            if (done.isSuccess()) {
                settle(ctx);
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void settle(ChannelHandlerContext ctx) {
        String principal = session.principal();
        if (principal == null) {
            // client-auth required lets no handshake finish without a certificate; this is a guard, not a path.
            session.fail(ProxyError.AUTHENTICATION_FAILED, "no client certificate to map to a user on cluster " + cluster.cluster()
                + " (identity mode mapped)");
            return;
        }
        SaslCredentials mapped = cluster.mappedCredentials(principal);
        if (mapped == null) {
            session.fail(ProxyError.AUTHENTICATION_FAILED, "certificate principal " + principal + " has no user on cluster "
                + cluster.cluster() + " in identity.mapping-file (identity mode mapped)");
            return;
        }
        session.upstreamCredentials(mapped);
        ctx.fireUserEventTriggered(ClientSaslAuthenticator.LOGGED_IN);
    }
}
