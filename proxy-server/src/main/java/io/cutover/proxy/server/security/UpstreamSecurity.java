package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.channel.ChannelPipeline;

/**
 * The one hook a channel initializer of a connection to a cluster calls: it puts TLS and the SASL
 * exchange at the front of the pipeline, so whatever the initializer adds after sees only the
 * cluster's plain Kafka frames, and only once the proxy is authenticated: as the cluster's service
 * user, or as the client the connection serves (identity modes mapped and passthrough). Each
 * connection authenticates once, as one user, and is never shared with another client.
 */
public final class UpstreamSecurity {
    private UpstreamSecurity() {
    }

    /**
     * Fired down the pipeline of a connection to a cluster once its SASL exchange succeeded: a
     * client whose login waits for the cluster's verdict (identity mode passthrough) gets its answer.
     */
    public static final Object AUTHENTICATED = new Object() {
        @Override
        public String toString() {
            return "UPSTREAM_AUTHENTICATED";
        }
    };

    /** Adds what {@code security} needs to a not yet connected channel's pipeline, authenticating with the service credential. */
    public static void install(ChannelPipeline pipeline, ClusterSecurity security) {
        install(pipeline, security, null);
    }

    /**
     * As above, authenticating as {@code credentials} (a client's mapped or passed-through identity);
     * null means the cluster's service credential.
     */
    public static void install(ChannelPipeline pipeline, ClusterSecurity security, SaslCredentials credentials) {
        if (security.config().usesSasl()) {
            SaslCredentials as = credentials == null ? security.config().sasl() : credentials;
            pipeline.addFirst("upstream-sasl", new SaslAuthenticator(security.cluster(), as, security.tokens(as), credentials == null,
                security.config().usesTls(), security.handshakeTimeout()));
        }
        if (security.config().usesTls()) {
            pipeline.addFirst("upstream-tls", new TlsOnConnect(security.sslContext(), security.handshakeTimeout()));
        }
    }
}
