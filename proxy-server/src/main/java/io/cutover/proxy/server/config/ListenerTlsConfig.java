package io.cutover.proxy.server.config;

import java.time.Duration;
import java.util.List;

/**
 * TLS on the proxy's Kafka listeners: its certificate, the CAs client certificates must chain to
 * ({@code clientCa}, null unless {@code clientAuth} is requested or required), the TLS versions
 * offered, how often the files are checked for a new certificate, and how a client certificate's
 * subject becomes the client's principal (Kafka's ssl.principal.mapping.rules syntax).
 */
public record ListenerTlsConfig(KeyMaterial key, TrustMaterial clientCa, ClientAuth clientAuth, List<String> protocols,
                                Duration reloadInterval, String principalMappingRules) {
    public ListenerTlsConfig {
        protocols = List.copyOf(protocols);
    }

    public ListenerTlsConfig(KeyMaterial key, TrustMaterial clientCa, ClientAuth clientAuth, List<String> protocols,
                             Duration reloadInterval) {
        this(key, clientCa, clientAuth, protocols, reloadInterval, "DEFAULT");
    }

    /** Whether clients must, may or need not present a certificate. */
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }
}
