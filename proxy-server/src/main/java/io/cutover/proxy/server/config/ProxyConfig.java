package io.cutover.proxy.server.config;

import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.server.security.ListenerSasl;
import io.cutover.proxy.server.security.ListenerTls;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The proxy's whole configuration, validated. Built by {@link ProxyConfigLoader}. */
public record ProxyConfig(
    Listener listener,
    Map<String, ClusterConfig> clusters,
    Admin admin,
    Limits limits,
    Discovery discovery,
    Routing routing,
    Capture capture,
    Waves waves,
    Inventory inventory,
    History history,
    Fleet fleet,
    Path stateDir) {

    /**
     * Several instances sharing their state in a compacted topic on {@code stateCluster}, and their
     * audit trail in {@code auditTopic} beside it (never compacted); off (enabled false) keeps the
     * state directory's files. A drain (POST /drain, SIGTERM) closes the open
     * connections over {@code drainPeriod}.
     */
    public record Fleet(boolean enabled, String instanceId, String stateCluster, String stateTopic, String auditTopic,
                        short replicationFactor, int minInsyncReplicas, Duration timeout, Duration heartbeatInterval,
                        Duration drainPeriod) {
    }

    /** How often the in-memory history behind GET /history and the status page's plots is sampled. */
    public record History(Duration sampleInterval) {
    }

    /** The client inventory's bounds and how often it is written to the state directory. */
    public record Inventory(int maxClients, Duration retention, Duration saveInterval) {
    }

    /** How waves measure and translate offsets, and the bounds of a switch's write pause. */
    public record Waves(String mapping, String offsetSyncsTopic, String offsetSyncsCluster, String reverseMapping,
                        Duration fenceTimeout, long fenceMaxBytes, long maxReadyLag, Duration adminTimeout,
                        Duration unknownOutcomeWindow) {
    }

    /**
     * Capture bounds and defaults; {@code onStart} is a capture begun at boot (null for none), its
     * name suffixed with the start time so restarts never collide.
     */
    public record Capture(long maxBytes, Duration maxDuration, long queueBytes, OnStart onStart) {
    }

    public record OnStart(String name, List<String> listeners, String clientIdPrefix, List<String> topics) {
    }

    public record Routing(Duration transactionWait) {
    }

    /**
     * The Kafka listeners; {@code tls} and {@code sasl} are null when off. {@code bindPortOffset}:
     * each port (bootstrap and brokers) is bound at its number plus this offset and advertised at
     * its number, for a balancer that maps the ports clients see onto each instance's. {@code sni}:
     * null for a port per broker; else the bootstrap port serves every broker, by TLS server name.
     */
    public record Listener(String bindHost, int bootstrapPort, String advertisedHost, PortRange brokerPorts, ListenerTls tls,
                           ListenerSasl sasl, int bindPortOffset, SniRouting sni) {
        public Listener(String bindHost, int bootstrapPort, String advertisedHost, PortRange brokerPorts, ListenerTls tls,
                        ListenerSasl sasl, int bindPortOffset) {
            this(bindHost, bootstrapPort, advertisedHost, brokerPorts, tls, sasl, bindPortOffset, null);
        }

        public Listener(String bindHost, int bootstrapPort, String advertisedHost, PortRange brokerPorts, ListenerTls tls,
                        ListenerSasl sasl) {
            this(bindHost, bootstrapPort, advertisedHost, brokerPorts, tls, sasl, 0);
        }

        public Listener(String bindHost, int bootstrapPort, String advertisedHost, PortRange brokerPorts) {
            this(bindHost, bootstrapPort, advertisedHost, brokerPorts, null, null);
        }

        /** The port a listener advertised at {@code port} binds. */
        public int bindPort(int port) {
            return port == 0 ? 0 : port + bindPortOffset;
        }
    }

    /** The admin endpoint; {@code tls} is null for plain HTTP. */
    public record Admin(String bindHost, int port, Map<String, String> tokens, ListenerTls tls) {
        public Admin(String bindHost, int port, Map<String, String> tokens) {
            this(bindHost, port, tokens, null);
        }
    }

    public record Limits(int maxRequestFrameBytes, int maxResponseFrameBytes, int maxConnections, int maxConnectionsPerAddress,
                         int maxInFlightRequestsPerConnection, Duration clientIdleTimeout,
                         Duration upstreamConnectTimeout, Duration upstreamRequestTimeout,
                         long requestMemoryBytes, Duration requestFrameTimeout, long responseMemoryBytes, Duration responseReadTimeout,
                         boolean streamFetchResponses) {
    }

    public record Discovery(Duration interval, Duration staleAfter, Duration startupWait, Duration probeInterval) {
    }

    public static final String SOURCE = "source";
    public static final String TARGET = "target";
    public static final List<String> CLUSTER_NAMES = List.of(SOURCE, TARGET);

    public ClusterConfig source() {
        return clusters.get(SOURCE);
    }

    /** True when a target cluster is configured, so clients can be routed between two clusters. */
    public boolean twoClusters() {
        return clusters.containsKey(TARGET);
    }
}
