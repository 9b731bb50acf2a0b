package io.cutover.proxy.server.config;

import io.cutover.proxy.server.security.ClusterSecurity;
import java.net.InetSocketAddress;
import java.util.List;

/** One upstream cluster, and how the proxy connects and authenticates to it. */
public record ClusterConfig(String name, List<InetSocketAddress> bootstrapServers, int nodeIdOffset, ClusterSecurity security) {
    public ClusterConfig {
        bootstrapServers = List.copyOf(bootstrapServers);
    }

    /** A cluster the proxy reaches in plaintext. */
    public ClusterConfig(String name, List<InetSocketAddress> bootstrapServers, int nodeIdOffset) {
        this(name, bootstrapServers, nodeIdOffset, ClusterSecurity.plaintext(name));
    }

    /** host:port,host:port, as Kafka clients take it. */
    public String bootstrapServersString() {
        StringBuilder sb = new StringBuilder();
        for (InetSocketAddress a : bootstrapServers) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(a.getHostString()).append(':').append(a.getPort());
        }
        return sb.toString();
    }
}
