package io.cutover.proxy.server.net;

import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.VirtualNode;
import java.net.InetSocketAddress;
import java.util.List;

/** A broker port talks to exactly one upstream broker: the one its virtual node stands for. */
final class BrokerTarget implements UpstreamTarget {
    private final NodeRegistry nodes;
    private final int virtualId;

    BrokerTarget(NodeRegistry nodes, int virtualId) {
        this.nodes = nodes;
        this.virtualId = virtualId;
    }

    @Override
    public String cluster() {
        return nodes.ids().clusterOf(virtualId);
    }

    @Override
    public List<InetSocketAddress> addresses() {
        // Looked up per connection: a broker that moved to a new address is followed.
        VirtualNode node = nodes.byVirtualId(virtualId);
        if (node == null || !node.hasUpstreamAddress()) {
            return List.of();
        }
        return List.of(InetSocketAddress.createUnresolved(node.upstreamHost(), node.upstreamPort()));
    }

    @Override
    public int virtualNodeId() {
        return virtualId;
    }

    @Override
    public String describe() {
        return "broker " + nodes.ids().upstreamId(virtualId) + " of " + cluster() + " (virtual node " + virtualId + ")";
    }
}
