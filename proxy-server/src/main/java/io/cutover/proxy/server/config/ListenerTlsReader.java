package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads {@code listener.tls} (TLS between clients and the proxy, on the bootstrap and every broker
 * port) and {@code admin.tls} (HTTPS on the admin endpoint): the same keys under either.
 */
final class ListenerTlsReader {
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private ListenerTlsReader() {
    }

    /** The listener's TLS settings, or null when TLS is off. */
    static ListenerTlsConfig read(Config root, TlsSettingsReader files) {
        return read(root, files, "listener.tls");
    }

    /** The TLS settings under {@code base}, or null when TLS is off there. */
    static ListenerTlsConfig read(Config root, TlsSettingsReader files, String base) {
        if (!root.getBoolean(base + ".enabled")) {
            for (String k : List.of("certificate-file", "key-file", "keystore.file", "ca-file", "truststore.file")) {
                if (files.optional(base + "." + k) != null) {
                    throw new ConfigError(ProxyConfigLoader.key(base + "." + k) + " is set but " + ProxyConfigLoader.key(base + ".enabled")
                        + " is false; set it to true to serve TLS");
                }
            }
            return null;
        }
        KeyMaterial key = files.key(base);
        if (key == null) {
            throw new ConfigError(ProxyConfigLoader.key(base) + ": TLS needs the proxy's certificate: certificate-file and key-file "
                + "(PEM) or keystore.file");
        }
        ListenerTlsConfig.ClientAuth clientAuth = clientAuth(root.getString(base + ".client-auth"), base);
        TrustMaterial clientCa = files.trust(base);
        if (clientAuth == ListenerTlsConfig.ClientAuth.NONE && clientCa != null) {
            throw new ConfigError(ProxyConfigLoader.key(base) + ": ca-file/truststore verify client certificates, but client-auth is "
                + "none; set client-auth to requested or required, or remove them");
        }
        if (clientAuth != ListenerTlsConfig.ClientAuth.NONE && clientCa == null) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".client-auth") + " is " + clientAuth.name().toLowerCase(Locale.ROOT)
                + ": give the CAs client certificates must chain to in ca-file or truststore.file");
        }
        List<String> protocols = root.getStringList(base + ".protocols");
        if (protocols.isEmpty() || !PROTOCOLS.containsAll(protocols)) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".protocols") + " is " + protocols + "; list one or both of TLSv1.3, TLSv1.2");
        }
        Duration reload = root.getDuration(base + ".reload-interval");
        if (reload.isNegative() || reload.isZero()) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".reload-interval") + " must be a positive duration, was " + reload);
        }
        String rules = root.getString(base + ".principal-mapping-rules");
        try {
            org.apache.kafka.common.security.ssl.SslPrincipalMapper.fromRules(rules);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".principal-mapping-rules") + ": " + e.getMessage(), e);
        }
        return new ListenerTlsConfig(key, clientCa, clientAuth, protocols, reload, rules);
    }

    private static ListenerTlsConfig.ClientAuth clientAuth(String value, String base) {
        try {
            return ListenerTlsConfig.ClientAuth.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".client-auth") + " is \"" + value + "\"; use none, requested or required");
        }
    }
}
