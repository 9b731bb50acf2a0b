package io.cutover.proxy.server.discovery;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.server.config.ClusterConfig;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks a cluster for its brokers at start and then periodically, so ports exist for brokers before
 * any client asks, new brokers get theirs, and /health knows whether the cluster answers.
 */
public final class ClusterDiscovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDiscovery.class);
    private static final long ANSWER_TIMEOUT_MS = 15_000;

    private final ClusterConfig cluster;
    private final NodeRegistry registry;
    private final Duration interval;
    private final Duration staleAfter;
    private final Admin admin;
    private final ScheduledExecutorService scheduler;
    private volatile long lastSuccessNanos;
    private volatile int lastBrokerCount;
    private volatile String lastError = "not contacted yet";
    private volatile boolean lastAttemptFailed;

    public ClusterDiscovery(ClusterConfig cluster, NodeRegistry registry, Duration interval, Duration staleAfter) {
        this.cluster = cluster;
        this.registry = registry;
        this.interval = interval;
        this.staleAfter = staleAfter;
        Properties props = new Properties();
        props.putAll(cluster.security().clientProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServersString());
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "cutover-proxy-discovery-" + cluster.name());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 5_000);
        this.admin = Admin.create(props);
        this.scheduler = DaemonScheduler.named("cutover-discovery-" + cluster.name());
    }

    /** Runs the first discovery, waiting up to {@code wait} for it, then keeps discovering in the background. */
    public void start(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!discoverOnce(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.min(500, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        scheduler.scheduleWithFixedDelay(() -> discoverOnce(ANSWER_TIMEOUT_MS), interval.toMillis(), interval.toMillis(),
            TimeUnit.MILLISECONDS);
    }

    /** @return true when the cluster answered within {@code timeoutMillis}. */
    public boolean discoverOnce(long timeoutMillis) {
        try {
            Collection<Node> nodes = admin.describeCluster().nodes().get(timeoutMillis, TimeUnit.MILLISECONDS);
            for (Node n : nodes) {
                registry.register(cluster.name(), n.id(), n.host(), n.port(), n.rack());
            }
            lastBrokerCount = nodes.size();
            lastSuccessNanos = System.nanoTime();
            if (lastAttemptFailed) {
                LOG.info("cluster {} is reachable again: {} brokers", cluster.name(), nodes.size());
            }
            lastAttemptFailed = false;
            lastError = null;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            lastError = cause.toString();
            if (!lastAttemptFailed) {
                LOG.warn("cluster {} at {} did not answer broker discovery: {}", cluster.name(), cluster.bootstrapServersString(), lastError);
            }
            lastAttemptFailed = true;
            return false;
        }
    }

    /**
     * Runs a discovery now, in the background: the control link saw the cluster come back, and
     * health should not wait for the next interval to say so.
     */
    public void discoverSoon() {
        if (!scheduler.isShutdown()) {
            try {
                scheduler.execute(() -> discoverOnce(ANSWER_TIMEOUT_MS));
            } catch (java.util.concurrent.RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    public boolean reachable() {
        long last = lastSuccessNanos;
        return last != 0 && !lastAttemptFailed && System.nanoTime() - last < staleAfter.toNanos();
    }

    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("reachable", reachable());
        s.put("bootstrapServers", cluster.bootstrapServersString());
        s.put("brokers", lastBrokerCount);
        long last = lastSuccessNanos;
        s.put("lastContactMillisAgo", last == 0 ? null : (System.nanoTime() - last) / 1_000_000);
        s.put("error", lastError);
        return s;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(1)); // pending discovery calls are worthless once the proxy stops
    }
}
