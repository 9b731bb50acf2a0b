package io.cutover.proxy.server.security;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.server.config.ClientCredentialsGrant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;

import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the proxy connects to one cluster, ready to use: the TLS context built once from the
 * configured files, the SASL credentials, and the same as Kafka client properties. Immutable, so
 * every event loop shares it.
 */
public final class ClusterSecurity {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecurity.class);
    private final String cluster;
    private final ClusterSecurityConfig config;
    private final SslContext sslContext;
    private final TlsEngine engine;
    private final Duration handshakeTimeout;
    private final Map<String, Object> clientProperties;
    /** Per OAuth client (the service credential's, each mapped principal's): its tokens. Empty without OAUTHBEARER. */
    private final Map<ClientCredentialsGrant, BearerTokens> tokens;
    private final ScheduledExecutorService tokenRefresher;

    private ClusterSecurity(String cluster, ClusterSecurityConfig config, SslContext sslContext, TlsEngine engine,
                            Duration handshakeTimeout, Map<String, Object> clientProperties, Map<ClientCredentialsGrant, BearerTokens> tokens,
                            ScheduledExecutorService tokenRefresher) {
        this.cluster = cluster;
        this.config = config;
        this.sslContext = sslContext;
        this.engine = engine;
        this.handshakeTimeout = handshakeTimeout;
        this.clientProperties = Map.copyOf(clientProperties);
        this.tokens = Map.copyOf(tokens);
        this.tokenRefresher = tokenRefresher;
    }

    /** No TLS, no SASL. */
    public static ClusterSecurity plaintext(String cluster) {
        return new ClusterSecurity(cluster, ClusterSecurityConfig.PLAINTEXT, null, null, Duration.ofSeconds(10),
            Map.of("security.protocol", SecurityProtocol.PLAINTEXT.name), Map.of(), null);
    }

    /**
     * Reads the TLS material (failing on a file that is not what it should be) and prepares the
     * client properties. {@code handshakeTimeout} bounds the TLS handshake and the SASL exchange each.
     * {@code engine} serves the proxy's own connections; the Kafka clients it runs keep the JDK's.
     */
    public static ClusterSecurity create(String cluster, ClusterSecurityConfig config, Duration handshakeTimeout, TlsEngine engine)
        throws GeneralSecurityException, IOException {
        Map<ClientCredentialsGrant, BearerTokens> tokens = new HashMap<>();
        // No thread starts until a token is first asked for: a config that is only read costs none.
        ScheduledExecutorService refresher = null;
        List<SaslCredentials> all = new ArrayList<>(config.mapped().values());
        if (config.sasl() != null) {
            all.add(config.sasl());
        }
        for (SaslCredentials c : all) {
            if (c.grant() != null) {
                if (refresher == null) {
                    refresher = DaemonScheduler.named("cutover-oauth-" + cluster);
                }
                tokens.put(c.grant(), new BearerTokens(c.grant().toString(), c.grant().clientId(), new TokenEndpoint(c.grant(), handshakeTimeout), refresher,
                    System::currentTimeMillis));
            }
        }
        BearerTokens service = config.sasl() == null || config.sasl().grant() == null ? null : tokens.get(config.sasl().grant());
        Map<String, Object> clientProperties = KafkaClientSecurity.properties(config, service);
        if (!config.usesTls()) {
            return new ClusterSecurity(cluster, config, null, null, handshakeTimeout, clientProperties, tokens, refresher);
        }
        SslContext ssl = SslContexts.client(engine, config.trust(), config.key(), config.hostnameVerification());
        LOG.info("cluster {} TLS engine: {}", cluster, engine.description());
        return new ClusterSecurity(cluster, config, ssl, engine, handshakeTimeout, clientProperties, tokens, refresher);
    }

    /**
     * Fetches the service credential's first OAUTHBEARER token, waiting at most the handshake timeout, so the
     * first links to the cluster need not fail for want of one; a no-op without OAUTHBEARER. A
     * provider that does not answer does not stop the start: logins to this cluster fail, clearly,
     * until it does, and the other cluster serves on.
     */
    public void fetchFirstToken() {
        BearerTokens service = config.sasl() == null || config.sasl().grant() == null ? null : tokens.get(config.sasl().grant());
        if (service != null) {
            service.startAndWait(handshakeTimeout);
        }
    }

    /** The tokens of {@code credentials}' OAuth client; null when they are not a client-credentials grant. */
    BearerTokens tokens(SaslCredentials credentials) {
        return credentials.grant() == null ? null : tokens.get(credentials.grant());
    }

    /** Stops fetching tokens. */
    public void close() {
        tokens.values().forEach(BearerTokens::close);
        if (tokenRefresher != null) {
            tokenRefresher.shutdownNow();
        }
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

    /** The engine of the proxy's TLS connections to this cluster; null without TLS. */
    public TlsEngine engine() {
        return engine;
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
