package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How the proxy connects to one cluster, ready to use: the TLS context built once from the
 * configured files, the SASL credentials, and the same as Kafka client properties. Immutable, so
 * every event loop shares it.
 */
public final class ClusterSecurity {
    private final String cluster;
    private final ClusterSecurityConfig config;
    private final SslContext sslContext;
    private final Duration handshakeTimeout;
    private final Map<String, Object> clientProperties;

    private ClusterSecurity(String cluster, ClusterSecurityConfig config, SslContext sslContext, Duration handshakeTimeout,
                            Map<String, Object> clientProperties) {
        this.cluster = cluster;
        this.config = config;
        this.sslContext = sslContext;
        this.handshakeTimeout = handshakeTimeout;
        this.clientProperties = Map.copyOf(clientProperties);
    }

    /** No TLS, no SASL. */
    public static ClusterSecurity plaintext(String cluster) {
        return new ClusterSecurity(cluster, ClusterSecurityConfig.PLAINTEXT, null, Duration.ofSeconds(10),
            Map.of("security.protocol", SecurityProtocol.PLAINTEXT.name));
    }

    /**
     * Reads the TLS material (failing on a file that is not what it should be) and prepares the
     * client properties. {@code handshakeTimeout} bounds the TLS handshake and the SASL exchange each.
     */
    public static ClusterSecurity create(String cluster, ClusterSecurityConfig config, Duration handshakeTimeout)
        throws GeneralSecurityException, IOException {
        SslContext ssl = config.usesTls() ? SslContexts.client(config.trust(), config.key(), config.hostnameVerification()) : null;
        return new ClusterSecurity(cluster, config, ssl, handshakeTimeout, KafkaClientSecurity.properties(config));
    }

    public String cluster() {
        return cluster;
    }

    public SecurityProtocol protocol() {
        return config.protocol();
    }

    public ClusterSecurityConfig config() {
        return config;
    }

    /** Whom clients' connections to this cluster authenticate as; the proxy's own links always use {@code config().sasl()}. */
    public IdentityMode identity() {
        return config.identity();
    }

    /** In identity mode mapped, {@code principal}'s own credentials on this cluster; null when it has none. */
    public SaslCredentials mappedCredentials(String principal) {
        return config.mapped().get(principal);
    }

    /** The TLS context of connections to this cluster; null without TLS. */
    SslContext sslContext() {
        return sslContext;
    }

    Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * security.protocol, ssl.* and sasl.* for a Kafka Admin, Consumer or Producer talking to this
     * cluster; add them to every client the proxy creates for it.
     */
    public Map<String, Object> clientProperties() {
        return clientProperties;
    }

    @Override
    public String toString() {
        return config.protocol().name + (config.sasl() == null ? "" : " (" + config.sasl() + ", clients: identity "
            + config.identity().configName() + ")");
    }
}
