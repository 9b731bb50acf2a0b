package io.cutover.proxy.server.security;

import io.netty.channel.ChannelPipeline;

/**
 * The one hook a channel initializer of a connection to a cluster calls: it puts TLS and the SASL
 * exchange at the front of the pipeline, so whatever the initializer adds after sees only the
 * cluster's plain Kafka frames, and only once the proxy is authenticated.
 */
public final class UpstreamSecurity {
    private UpstreamSecurity() {
    }

    /** Adds what {@code security} needs to a not yet connected channel's pipeline; nothing for PLAINTEXT. */
    public static void install(ChannelPipeline pipeline, ClusterSecurity security) {
        if (security.config().usesSasl()) {
            pipeline.addFirst("upstream-sasl", new SaslAuthenticator(security.cluster(), security.config().sasl(),
                security.config().usesTls(), security.handshakeTimeout()));
        }
        if (security.config().usesTls()) {
            pipeline.addFirst("upstream-tls", new TlsOnConnect(security.sslContext(), security.handshakeTimeout()));
        }
    }
}
