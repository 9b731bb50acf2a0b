package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.common.Node;

/** Asserts that an address a client was given is the proxy's and never an upstream broker's. */
final class ProxyAddresses {
    private final String host;
    private final PortRange brokerPorts;
    private final Set<Integer> upstreamPorts = new HashSet<>();

    ProxyAddresses(RunningProxy proxy, EmbeddedKafkaCluster cluster) {
        this.host = proxy.server().config().listener().advertisedHost();
        this.brokerPorts = proxy.server().config().listener().brokerPorts();
        cluster.kit().brokers().values().forEach(b ->
            b.socketServer().dataPlaneAcceptors().values().forEach(a -> upstreamPorts.add(a.localPort())));
        cluster.kit().controllers().values().forEach(c ->
            c.socketServer().dataPlaneAcceptors().values().forEach(a -> upstreamPorts.add(a.localPort())));
        assertFalse(upstreamPorts.isEmpty(), "found the upstream listener ports");
    }

    void assertProxy(String what, String host, int port) {
        assertEquals(this.host, host, what + " host");
        assertTrue(brokerPorts.contains(port), what + " port " + port + " is one of the proxy's broker ports " + brokerPorts);
        assertFalse(upstreamPorts.contains(port), what + " port " + port + " is an upstream broker's");
    }

    void assertProxy(String what, Node node) {
        assertProxy(what + " (node " + node.id() + ")", node.host(), node.port());
    }
}
