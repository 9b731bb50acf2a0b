package io.cutover.proxy.server.security;

import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.config.TrustMaterial;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * The same cluster security as properties for the Kafka clients the proxy runs itself (discovery,
 * wave gates and switches, offset syncs). Secrets go in Kafka's password-typed settings, which Kafka
 * masks when it logs its config.
 */
final class KafkaClientSecurity {
    private KafkaClientSecurity() {
    }

    /** {@code serviceTokens}: the service OAuth client's tokens when the cluster's mechanism is OAUTHBEARER, else null. */
    static Map<String, Object> properties(ClusterSecurityConfig c, BearerTokens serviceTokens) throws IOException {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, c.protocol().name);
        if (c.usesTls()) {
            if (c.trust() instanceof TrustMaterial.Pem pem) {
                p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
                p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, pem.caBundle().toString());
            } else if (c.trust() instanceof TrustMaterial.Store store) {
                p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, store.type());
                p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, store.file().toString());
                if (store.password() != null) {
                    p.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, store.password().value());
                }
            }
            if (c.key() instanceof KeyMaterial.Pem pem) {
                // Kafka reads a PEM key store from one file holding both; the proxy takes them apart, so inline them.
                p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
                p.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, Files.readString(pem.certificateChain(), StandardCharsets.US_ASCII));
                p.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, Files.readString(pem.privateKey(), StandardCharsets.US_ASCII));
                if (pem.keyPassword() != null) {
                    p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, pem.keyPassword().value());
                }
            } else if (c.key() instanceof KeyMaterial.Store store) {
                p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, store.type());
                p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store.file().toString());
                p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, store.password().value());
                p.put(SslConfigs.SSL_KEY_PASSWORD_CONFIG, store.password().value());
            }
            p.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, c.hostnameVerification() ? "https" : "");
        }
        if (c.usesSasl()) {
            SaslCredentials s = c.sasl();
            p.put(SaslConfigs.SASL_MECHANISM, s.mechanism());
            if (s.grant() != null) {
                p.put(SaslConfigs.SASL_LOGIN_CALLBACK_HANDLER_CLASS, ServiceTokenLogin.class.getName());
                p.put(ServiceTokenLogin.TOKENS, serviceTokens);
                // Kafka shares one login among clients with the same JAAS text: a text of their own per token source keeps
                // two proxies in one JVM (tests, an embedding application) from logging in with each other's tokens.
                p.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                    + "cutoverTokens=\"" + System.identityHashCode(serviceTokens) + "\";");
                return p;
            }
            String module = s.mechanism().equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                : "org.apache.kafka.common.security.scram.ScramLoginModule";
            p.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\"" + jaasQuote(s.username()) + "\" password=\""
                + jaasQuote(s.password().value()) + "\";");
        }
        return p;
    }

    /** JAAS option values are quoted strings; a quote or backslash in a password must not end them. */
    static String jaasQuote(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
