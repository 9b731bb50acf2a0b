package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.node.BrokerHostPattern;
import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.server.config.SniRouting;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each TLS server name stands for under listener.tls.sni, with two clusters' brokers known. */
class ServerNamesTest {
    private final NodeRegistry nodes = registry();
    private final BootstrapTarget bootstrap = new BootstrapTarget(null);
    private final ServerNames names = new ServerNames(new SniRouting(BrokerHostPattern.parse("broker-$(nodeId).kafka.test"),
        "bootstrap.kafka.test"), nodes, bootstrap);

    private static NodeRegistry registry() {
        NodeRegistry r = new NodeRegistry(new NodeIdSpace(Map.of("source", 0, "target", 100_000)), new PortRange(30000, 30099),
            NodePortStore.inMemory());
        r.start(PortBinder.NONE);
        r.register("source", 1, "source-1.internal", 9092, null);
        r.register("target", 2, "target-2.internal", 9092, null);
        return r;
    }

    @Test
    void theBootstrapNameIsTheBootstrapListener() {
        ServerNames.Chosen chosen = assertInstanceOf(ServerNames.Chosen.class, names.choose("bootstrap.kafka.test"));
        assertSame(bootstrap, chosen.target());
        assertTrue(chosen.bootstrapListener());
    }

    @Test
    void aBrokerNameIsThatVirtualNodesBrokerOnEitherCluster() {
        ServerNames.Chosen source = assertInstanceOf(ServerNames.Chosen.class, names.choose("broker-1.kafka.test"));
        assertEquals(1, source.target().virtualNodeId());
        assertEquals("source", source.target().cluster());
        assertEquals(false, source.bootstrapListener());
        ServerNames.Chosen target = assertInstanceOf(ServerNames.Chosen.class, names.choose("BROKER-100002.kafka.test"));
        assertEquals(100_002, target.target().virtualNodeId(), "the virtual id, as clients see it, names the broker");
        assertEquals("target", target.target().cluster());
    }

    @Test
    void otherNamesUnknownNodesAndNoNameAreRefusedSayingWhy() {
        assertTrue(assertInstanceOf(ServerNames.Refused.class, names.choose("kafka.test")).why()
            .contains("TLS server name \"kafka.test\" is neither the bootstrap's (bootstrap.kafka.test) nor a broker's"));
        assertTrue(assertInstanceOf(ServerNames.Refused.class, names.choose("broker-2.kafka.test")).why()
            .contains("names node 2, which is no broker the proxy knows"), "broker 2 of target is node 100002, not 2");
        assertTrue(assertInstanceOf(ServerNames.Refused.class, names.choose(null)).why().contains("sent no TLS server name (SNI)"));
    }
}
