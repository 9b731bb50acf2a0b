package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.VirtualNode;

/** {@link NodeMapper} for one cluster, backed by the shared {@link NodeRegistry}. */
public final class ClusterNodeMapper implements NodeMapper {
    private final NodeRegistry registry;
    private final String cluster;
    private final String advertisedHost;

    public ClusterNodeMapper(NodeRegistry registry, String cluster, String advertisedHost) {
        this.registry = registry;
        this.cluster = cluster;
        this.advertisedHost = advertisedHost;
    }

    @Override
    public VirtualNode map(int upstreamId, String host, int port, String rack) {
        return registry.register(cluster, upstreamId, host, port, rack);
    }

    @Override
    public int virtualId(int upstreamId) {
        return registry.virtualId(cluster, upstreamId);
    }

    @Override
    public String advertisedHost() {
        return advertisedHost;
    }

    @Override
    public java.util.List<VirtualNode> knownNodes() {
        java.util.List<VirtualNode> out = new java.util.ArrayList<>();
        for (VirtualNode n : registry.nodes()) {
            if (n.cluster().equals(cluster) && n.hasUpstreamAddress()) {
                out.add(n);
            }
        }
        return out;
    }

    public String cluster() {
        return cluster;
    }
}
