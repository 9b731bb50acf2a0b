package io.cutover.proxy.server.config;

import java.net.InetSocketAddress;
import java.util.List;

/** One upstream cluster. */
public record ClusterConfig(String name, List<InetSocketAddress> bootstrapServers, int nodeIdOffset) {
    public ClusterConfig {
        bootstrapServers = List.copyOf(bootstrapServers);
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
