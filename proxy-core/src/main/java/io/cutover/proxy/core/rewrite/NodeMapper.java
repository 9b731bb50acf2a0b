package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.node.AdvertisedAddresses;
import io.cutover.proxy.core.node.VirtualNode;

/** Translates one upstream cluster's brokers into what clients see through the proxy. */
public interface NodeMapper {
    /** The virtual node for an upstream broker whose address the response carries. */
    VirtualNode map(int upstreamId, String host, int port, String rack);

    /** The virtual id for an upstream node id; negative ids (no node) stay as they are. */
    int virtualId(int upstreamId);

    /** Where clients are told each node is: host and port. */
    AdvertisedAddresses advertised();

    /** Every broker of this cluster the proxy knows an address for. */
    default java.util.List<VirtualNode> knownNodes() {
        return java.util.List.of();
    }
}
