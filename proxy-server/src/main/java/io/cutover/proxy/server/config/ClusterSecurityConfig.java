package io.cutover.proxy.server.config;

import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How the proxy connects to one cluster: {@code trust} null means the JDK's default CAs, {@code key}
 * null means no client certificate, {@code sasl} null means no SASL. {@code sasl} is the service
 * credential (the proxy's own links, and every client connection in identity mode service);
 * {@code mapped} holds, in identity mode mapped, each client principal's own credential on this
 * cluster (empty otherwise).
 */
public record ClusterSecurityConfig(SecurityProtocol protocol, TrustMaterial trust, KeyMaterial key, boolean hostnameVerification,
                                    SaslCredentials sasl, IdentityMode identity, Map<String, SaslCredentials> mapped) {
    public static final ClusterSecurityConfig PLAINTEXT = new ClusterSecurityConfig(SecurityProtocol.PLAINTEXT, null, null, true, null,
        IdentityMode.SERVICE, Map.of());

    public ClusterSecurityConfig {
        mapped = Map.copyOf(mapped);
    }

    /** In identity mode service, with no per-principal credentials. */
    public ClusterSecurityConfig(SecurityProtocol protocol, TrustMaterial trust, KeyMaterial key, boolean hostnameVerification,
                                 SaslCredentials sasl) {
        this(protocol, trust, key, hostnameVerification, sasl, IdentityMode.SERVICE, Map.of());
    }

    public boolean usesTls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    public boolean usesSasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    /** The same with the client identity settled (the loader reads it after the rest). */
    ClusterSecurityConfig withIdentity(IdentityMode mode, Map<String, SaslCredentials> credentials) {
        return new ClusterSecurityConfig(protocol, trust, key, hostnameVerification, sasl, mode, credentials);
    }
}
