package io.cutover.proxy.server.net;

import io.cutover.proxy.server.config.ClusterConfig;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bootstrap connection may talk to any of the cluster's bootstrap servers. Each new connection
 * starts at the next one, and falls back to the others in turn, so one dead server costs a retry, not
 * an outage.
 */
final class BootstrapTarget implements UpstreamTarget {
    private final ClusterConfig cluster;
    private final AtomicInteger next = new AtomicInteger();

    BootstrapTarget(ClusterConfig cluster) {
        this.cluster = cluster;
    }

    @Override
    public String cluster() {
        return cluster.name();
    }

    @Override
    public List<InetSocketAddress> addresses() {
        List<InetSocketAddress> servers = cluster.bootstrapServers();
        int start = Math.floorMod(next.getAndIncrement(), servers.size());
        List<InetSocketAddress> order = new ArrayList<>(servers.size());
        for (int i = 0; i < servers.size(); i++) {
            order.add(servers.get((start + i) % servers.size()));
        }
        return order;
    }

    @Override
    public String describe() {
        return "bootstrap servers of " + cluster.name();
    }
}
