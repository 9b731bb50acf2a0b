package io.cutover.proxy.server.config;

import org.apache.kafka.common.security.auth.SecurityProtocol;

/**
 * How the proxy connects to one cluster: {@code trust} null means the JDK's default CAs, {@code key}
 * null means no client certificate, {@code sasl} null means no SASL.
 */
public record ClusterSecurityConfig(SecurityProtocol protocol, TrustMaterial trust, KeyMaterial key, boolean hostnameVerification,
                                    SaslCredentials sasl) {
    public static final ClusterSecurityConfig PLAINTEXT = new ClusterSecurityConfig(SecurityProtocol.PLAINTEXT, null, null, true, null);

    public boolean usesTls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    public boolean usesSasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }
}
