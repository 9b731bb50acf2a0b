package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.AdvertisedAddresses;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.VirtualNode;

/** {@link NodeMapper} for one cluster, backed by the shared {@link NodeRegistry}. */
public final class ClusterNodeMapper implements NodeMapper {
    private final NodeRegistry registry;
    private final String cluster;
    private final AdvertisedAddresses advertised;

    /** Port per broker: every node at {@code advertisedHost}, each on its own port. */
    public ClusterNodeMapper(NodeRegistry registry, String cluster, String advertisedHost) {
        this(registry, cluster, AdvertisedAddresses.portPerBroker(advertisedHost));
    }

    public ClusterNodeMapper(NodeRegistry registry, String cluster, AdvertisedAddresses advertised) {
        this.registry = registry;
        this.cluster = cluster;
        this.advertised = advertised;
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
    public AdvertisedAddresses advertised() {
        return advertised;
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
