package io.cutover.proxy.core.node;

import java.util.Objects;

/**
 * A broker as clients see it through the proxy: a virtual node id and a proxy port, standing for one
 * broker of one upstream cluster. The upstream address is null while the broker is known only from
 * the persisted port allocation and has not been seen in live metadata yet.
 */
public record VirtualNode(int id, int port, String cluster, int upstreamId, String upstreamHost, int upstreamPort, String rack) {

    public VirtualNode {
        Objects.requireNonNull(cluster, "cluster");
    }

    public boolean hasUpstreamAddress() {
        return upstreamHost != null;
    }

    boolean sameUpstream(String host, int port, String rack) {
        return Objects.equals(upstreamHost, host) && upstreamPort == port && Objects.equals(this.rack, rack);
    }

    VirtualNode withUpstream(String host, int port, String rack) {
        return new VirtualNode(id, this.port, cluster, upstreamId, host, port, rack);
    }

    public String upstreamAddress() {
        return upstreamHost + ":" + upstreamPort;
    }
}
