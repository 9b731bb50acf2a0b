package io.cutover.proxy.server.net;

import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.server.config.SniRouting;

/**
 * Under listener.tls.sni, which target a TLS server name stands for: the bootstrap name the bootstrap
 * servers, a name of the broker pattern the broker of that virtual node. Asked once per connection,
 * after its ClientHello; reads the registry's snapshot and takes no lock.
 */
final class ServerNames {
    private final SniRouting sni;
    private final NodeRegistry nodes;
    private final BootstrapTarget bootstrap;

    ServerNames(SniRouting sni, NodeRegistry nodes, BootstrapTarget bootstrap) {
        this.sni = sni;
        this.nodes = nodes;
        this.bootstrap = bootstrap;
    }

    /** What a client asked for: its target, or why it has none. */
    sealed interface Choice permits Chosen, Refused {
    }

    record Chosen(UpstreamTarget target, boolean bootstrapListener) implements Choice {
    }

    record Refused(String why) implements Choice {
    }

    /** @param serverName the name from the ClientHello, lower case; null when the client sent none */
    Choice choose(String serverName) {
        if (serverName == null) {
            return new Refused("it sent no TLS server name (SNI): with listener.tls.sni every client must connect by name ("
                + sni.bootstrapHost() + " to bootstrap), not by address");
        }
        if (serverName.equalsIgnoreCase(sni.bootstrapHost())) {
            return new Chosen(bootstrap, true);
        }
        int node = sni.brokerHosts().nodeIdOf(serverName);
        if (node < 0) {
            return new Refused("TLS server name \"" + serverName + "\" is neither the bootstrap's (" + sni.bootstrapHost()
                + ") nor a broker's (" + sni.brokerHosts() + ")");
        }
        if (nodes.byVirtualId(node) == null) {
            return new Refused("TLS server name \"" + serverName + "\" names node " + node + ", which is no broker the proxy knows");
        }
        return new Chosen(new BrokerTarget(nodes, node), false);
    }
}
