package io.cutover.proxy.server.net;

import io.cutover.proxy.server.metrics.ProxyMetrics;
import org.apache.kafka.common.protocol.Errors;

/**
 * Whether a connection belongs to a client the routes moved, still seen on its old cluster: set
 * when the proxy sends it an error to make it refresh, cleared when it is served wholly on this
 * cluster again or leaves. Feeds the stale-clients gauge per cluster.
 */
final class StaleClientMark {
    private final ProxyMetrics metrics;
    private final String cluster;
    private boolean stale;

    StaleClientMark(ProxyMetrics metrics, String cluster) {
        this.metrics = metrics;
        this.cluster = cluster;
    }

    /** The proxy answered {@code count} partitions or keys with {@code error} to move the client. */
    void forcedRefresh(Errors error, int count) {
        metrics.forcedRefresh(error, count);
        if (!stale) {
            stale = true;
            metrics.staleClients(cluster).incrementAndGet();
        }
    }

    /** A request served wholly on this connection's cluster. */
    void routedOnCluster() {
        if (stale) {
            stale = false;
            metrics.staleClients(cluster).decrementAndGet();
        }
    }

    boolean isStale() {
        return stale;
    }
}
