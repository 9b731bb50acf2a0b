package io.cutover.proxy.server.config;

import java.time.Duration;
import java.util.List;

/**
 * TLS on the proxy's Kafka listeners: its certificate, the CAs client certificates must chain to
 * ({@code clientCa}, null unless {@code clientAuth} is requested or required), the TLS versions
 * offered, and how often the files are checked for a new certificate.
 */
public record ListenerTlsConfig(KeyMaterial key, TrustMaterial clientCa, ClientAuth clientAuth, List<String> protocols,
                                Duration reloadInterval) {
    public ListenerTlsConfig {
        protocols = List.copyOf(protocols);
    }

    /** Whether clients must, may or need not present a certificate. */
    public enum ClientAuth { NONE, REQUESTED, REQUIRED }
}
