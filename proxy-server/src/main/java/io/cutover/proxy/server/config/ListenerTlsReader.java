package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads {@code listener.tls}: TLS between clients and the proxy, on the bootstrap and every broker port. */
final class ListenerTlsReader {
    private static final String BASE = "listener.tls";
    private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

    private ListenerTlsReader() {
    }

    /** The listener's TLS settings, or null when TLS is off. */
    static ListenerTlsConfig read(Config root, TlsSettingsReader files) {
        if (!root.getBoolean(BASE + ".enabled")) {
            for (String k : List.of("certificate-file", "key-file", "keystore.file", "ca-file", "truststore.file")) {
                if (files.optional(BASE + "." + k) != null) {
                    throw new ConfigError(ProxyConfigLoader.key(BASE + "." + k) + " is set but " + ProxyConfigLoader.key(BASE + ".enabled")
                        + " is false; set it to true to serve TLS");
                }
            }
            return null;
        }
        KeyMaterial key = files.key(BASE);
        if (key == null) {
            throw new ConfigError(ProxyConfigLoader.key(BASE) + ": TLS needs the proxy's certificate: certificate-file and key-file "
                + "(PEM) or keystore.file");
        }
        ListenerTlsConfig.ClientAuth clientAuth = clientAuth(root.getString(BASE + ".client-auth"));
        TrustMaterial clientCa = files.trust(BASE);
        if (clientAuth == ListenerTlsConfig.ClientAuth.NONE && clientCa != null) {
            throw new ConfigError(ProxyConfigLoader.key(BASE) + ": ca-file/truststore verify client certificates, but client-auth is "
                + "none; set client-auth to requested or required, or remove them");
        }
        if (clientAuth != ListenerTlsConfig.ClientAuth.NONE && clientCa == null) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".client-auth") + " is " + clientAuth.name().toLowerCase(Locale.ROOT)
                + ": give the CAs client certificates must chain to in ca-file or truststore.file");
        }
        List<String> protocols = root.getStringList(BASE + ".protocols");
        if (protocols.isEmpty() || !PROTOCOLS.containsAll(protocols)) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".protocols") + " is " + protocols + "; list one or both of TLSv1.3, TLSv1.2");
        }
        Duration reload = root.getDuration(BASE + ".reload-interval");
        if (reload.isNegative() || reload.isZero()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".reload-interval") + " must be a positive duration, was " + reload);
        }
        return new ListenerTlsConfig(key, clientCa, clientAuth, protocols, reload);
    }

    private static ListenerTlsConfig.ClientAuth clientAuth(String value) {
        try {
            return ListenerTlsConfig.ClientAuth.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".client-auth") + " is \"" + value + "\"; use none, requested or required");
        }
    }
}
