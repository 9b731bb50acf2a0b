package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import io.cutover.proxy.core.node.BrokerHostPattern;
import java.util.Locale;

/** Reads {@code listener.tls.sni}: routing by TLS server name on the one bootstrap port. */
final class ListenerSniReader {
    private static final String BASE = "listener.tls.sni";

    private ListenerSniReader() {
    }

    /** The SNI settings, or null when SNI routing is off (the proxy then binds a port per broker). */
    static SniRouting read(Config root, boolean tlsOn) {
        String pattern = root.getString(BASE + ".broker-host-pattern").trim();
        String bootstrap = root.getString(BASE + ".bootstrap-host").trim();
        if (!root.getBoolean(BASE + ".enabled")) {
            for (String k : new String[] {"broker-host-pattern", "bootstrap-host"}) {
                if (!root.getString(BASE + "." + k).isBlank()) {
                    throw new ConfigError(ProxyConfigLoader.key(BASE + "." + k) + " is set but " + ProxyConfigLoader.key(BASE + ".enabled")
                        + " is false; set it to true to route by server name on the bootstrap port");
                }
            }
            return null;
        }
        if (!tlsOn) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".enabled") + " needs " + ProxyConfigLoader.key("listener.tls.enabled")
                + " = true: the server name a client asks for travels in its TLS handshake");
        }
        if (pattern.isEmpty()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".broker-host-pattern") + " is required with SNI routing: each broker's "
                + "name with " + BrokerHostPattern.NODE_ID + " for its node id, e.g. \"broker-" + BrokerHostPattern.NODE_ID
                + ".kafka.example.com\"");
        }
        BrokerHostPattern brokers;
        try {
            brokers = BrokerHostPattern.parse(pattern);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".broker-host-pattern") + ": " + e.getMessage(), e);
        }
        if (bootstrap.isEmpty()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".bootstrap-host") + " is required with SNI routing: the name clients "
                + "bootstrap from, e.g. \"bootstrap.kafka.example.com\"");
        }
        String problem = BrokerHostPattern.dnsNameProblem(bootstrap);
        if (problem != null) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".bootstrap-host") + " \"" + bootstrap + "\" is not a valid DNS name: "
                + problem);
        }
        if (brokers.nodeIdOf(bootstrap) >= 0) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".bootstrap-host") + " \"" + bootstrap + "\" is also the name of node "
                + brokers.nodeIdOf(bootstrap) + " under " + ProxyConfigLoader.key(BASE + ".broker-host-pattern")
                + "; give the bootstrap a name of its own");
        }
        return new SniRouting(brokers, bootstrap.toLowerCase(Locale.ROOT));
    }
}
