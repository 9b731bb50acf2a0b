package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.server.security.ClusterSecurity;
import io.cutover.proxy.server.security.ListenerTls;
import io.cutover.proxy.server.security.TlsEngine;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads HOCON config over the defaults in {@code reference.conf} and validates it. Every failure is a
 * {@link ConfigError} that names the key, so a bad config stops the proxy at start with a message an
 * operator can act on.
 */
public final class ProxyConfigLoader {
    static final String ROOT = "cutover-proxy";
    private static final String CLUSTERS = ROOT + ".clusters";
    private static final Set<String> CLUSTER_KEYS = Set.of("bootstrap-servers", "node-id-offset");
    private static final int DEFAULT_TARGET_NODE_ID_OFFSET = 100_000;

    private ProxyConfigLoader() {
    }

    /** Loads a config file over the defaults. */
    public static ProxyConfig load(Path file) {
        File f = file.toFile();
        if (!f.isFile()) {
            throw new ConfigError("config file " + file + " does not exist or is not a file");
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError("cannot parse " + file + ": " + e.getMessage(), e);
        }
        return fromUserConfig(user);
    }

    /** Builds a config from already-parsed overrides (tests and the embedded default use this). */
    public static ProxyConfig fromUserConfig(Config user) {
        return fromUserConfig(user, System::getenv);
    }

    /** As above, with secrets named by {@code *-env} keys looked up in {@code environment}. */
    public static ProxyConfig fromUserConfig(Config user, Function<String, String> environment) {
        Config reference = ConfigFactory.defaultReference();
        rejectUnknownKeys(user, reference);
        Config merged;
        try {
            merged = user.withFallback(reference).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage(), e);
        }
        try {
            return build(merged, environment);
        } catch (ConfigException e) {
            // typesafe-config's messages already name the path and where it came from.
            throw new ConfigError("invalid config: " + e.getMessage(), e);
        }
    }

    private static void rejectUnknownKeys(Config user, Config reference) {
        for (Map.Entry<String, ConfigValue> e : user.entrySet()) {
            String key = e.getKey();
            if (!key.startsWith(ROOT + ".")) {
                continue; // other libraries' settings may share the file
            }
            if (key.startsWith(CLUSTERS + ".")) {
                checkClusterKey(key);
                continue;
            }
            if (key.startsWith(ROOT + ".admin.tokens.")) {
                continue; // token names are the operator's
            }
            if (!reference.hasPath(key)) {
                throw new ConfigError("unknown config key " + key + " (" + e.getValue().origin().description()
                    + "); see reference.conf for the keys the proxy reads");
            }
        }
    }

    private static void checkClusterKey(String key) {
        String rest = key.substring(CLUSTERS.length() + 1);
        int dot = rest.indexOf('.');
        String cluster = dot < 0 ? rest : rest.substring(0, dot);
        if (!ProxyConfig.CLUSTER_NAMES.contains(cluster)) {
            throw new ConfigError("unknown cluster " + cluster + " at " + key + "; clusters are named "
                + ProxyConfig.CLUSTER_NAMES);
        }
        if (dot >= 0 && rest.startsWith("security.", dot + 1)) {
            ClusterSecurityReader.checkKey(key, rest.substring(dot + 1 + "security.".length()));
            return;
        }
        if (dot < 0 || !CLUSTER_KEYS.contains(rest.substring(dot + 1))) {
            throw new ConfigError("unknown config key " + key + "; a cluster takes " + CLUSTER_KEYS);
        }
    }

    private static ProxyConfig build(Config c, Function<String, String> environment) {
        Config root = c.getConfig(ROOT);
        TlsSettingsReader files = new TlsSettingsReader(root, environment);
        TlsEngineSetting engine = new TlsEngineSetting(root, TlsEngine.NATIVE);
        Map<String, ClusterConfig> clusters = clusters(root, files, new ClusterIdentityReader(root, environment), engine);
        ListenerTls tls = listenerTls(ListenerTlsReader.read(root, files), "listener", engine);
        ProxyConfig.Listener listener = new ProxyConfig.Listener(
            nonBlank(root, "listener.bind-host"),
            port(root, "listener.bootstrap-port", true),
            nonBlank(root, "listener.advertised-host"),
            brokerPorts(root),
            tls,
            ListenerSaslReader.read(root, ClusterIdentityReader.allPassthrough(clusters)),
            root.getInt("listener.bind-port-offset"),
            ListenerSniReader.read(root, tls != null));
        ProxyConfig.Admin admin = new ProxyConfig.Admin(nonBlank(root, "admin.bind-host"), port(root, "admin.port", true),
            tokens(root), listenerTls(ListenerTlsReader.read(root, files, "admin.tls"), "admin", engine));
        ProxyConfig.Limits limits = new ProxyConfig.Limits(
            bytes(root, "limits.max-request-frame-bytes"),
            bytes(root, "limits.max-response-frame-bytes"),
            positiveInt(root, "limits.max-connections"),
            positiveInt(root, "limits.max-connections-per-address"),
            positiveInt(root, "limits.max-in-flight-requests-per-connection"),
            positiveDuration(root, "limits.client-idle-timeout"),
            positiveDuration(root, "limits.upstream-connect-timeout"),
            positiveDuration(root, "limits.upstream-request-timeout"),
            longBytes(root, "limits.request-memory"),
            positiveDuration(root, "limits.request-frame-timeout"),
            longBytes(root, "limits.response-memory"),
            positiveDuration(root, "limits.response-read-timeout"),
            root.getBoolean("limits.stream-fetch-responses"));
        ProxyConfig.Discovery discovery = new ProxyConfig.Discovery(
            positiveDuration(root, "discovery.interval"),
            positiveDuration(root, "discovery.stale-after"),
            positiveDuration(root, "discovery.startup-wait"),
            positiveDuration(root, "discovery.probe-interval"));
        ProxyConfig.Routing routing = new ProxyConfig.Routing(positiveDuration(root, "routing.transaction-wait"));
        Path stateDir = Path.of(nonBlank(root, "state-dir"));
        ProxyConfig.Capture capture = capture(root);
        ProxyConfig.Waves waves = waves(root);
        ProxyConfig.Inventory inventory = new ProxyConfig.Inventory(positiveInt(root, "inventory.max-clients"),
            positiveDuration(root, "inventory.retention"), positiveDuration(root, "inventory.save-interval"));
        ProxyConfig.History history = new ProxyConfig.History(positiveDuration(root, "history.sample-interval"));
        checkPortsDisjoint(listener, admin);
        if (admin.tokens().isEmpty() && !isLoopback(admin.bindHost())) {
            throw new ConfigError(key("admin.tokens") + " is required when " + key("admin.bind-host") + " ("
                + admin.bindHost() + ") is not a loopback address: the admin API changes routes");
        }
        ProxyConfig.Fleet fleet = fleet(root, clusters);
        return new ProxyConfig(listener, clusters, admin, limits, discovery, routing, capture, waves, inventory, history, fleet,
            stateDir);
    }

    private static ProxyConfig.Fleet fleet(Config root, Map<String, ClusterConfig> clusters) {
        String stateCluster = nonBlank(root, "fleet.state-cluster");
        if (!clusters.containsKey(stateCluster)) {
            throw new ConfigError(key("fleet.state-cluster") + " is " + stateCluster + "; name one of the clusters " + clusters.keySet());
        }
        int replication = positiveInt(root, "fleet.replication-factor");
        int minInsync = positiveInt(root, "fleet.min-insync-replicas");
        if (replication > Short.MAX_VALUE || minInsync > replication) {
            throw new ConfigError(key("fleet.min-insync-replicas") + " (" + minInsync + ") must not exceed "
                + key("fleet.replication-factor") + " (" + replication + ")");
        }
        String id = root.getString("fleet.instance-id").trim();
        if (id.isEmpty()) {
            // Unique per process on a host; a stable id (the pod's name) reads better in GET /fleet.
            id = hostName() + "-" + ProcessHandle.current().pid();
        }
        String stateTopic = nonBlank(root, "fleet.state-topic");
        String auditTopic = nonBlank(root, "fleet.audit-topic");
        if (auditTopic.equals(stateTopic)) {
            // The state topic is compacted: it would keep one audit record per instance.
            throw new ConfigError(key("fleet.audit-topic") + " must not be the state topic (" + stateTopic + ")");
        }
        return new ProxyConfig.Fleet(root.getBoolean("fleet.enabled"), id, stateCluster, stateTopic, auditTopic,
            (short) replication, minInsync, positiveDuration(root, "fleet.timeout"), positiveDuration(root, "fleet.heartbeat-interval"),
            positiveDuration(root, "fleet.drain-period"));
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "proxy";
        }
    }

    private static ProxyConfig.Capture capture(Config root) {
        String name = root.getString("capture.on-start.name").trim();
        ProxyConfig.OnStart onStart = name.isEmpty() ? null : new ProxyConfig.OnStart(name,
            root.getStringList("capture.on-start.listeners"), root.getString("capture.on-start.client-id-prefix"),
            root.getStringList("capture.on-start.topics"));
        return new ProxyConfig.Capture(longBytes(root, "capture.max-bytes"), positiveDuration(root, "capture.max-duration"),
            longBytes(root, "capture.queue-bytes"), onStart);
    }

    private static ProxyConfig.Waves waves(Config root) {
        String mapping = root.getString("waves.mapping");
        if (!mapping.equals("mirrormaker2") && !mapping.equals("identity")) {
            throw new ConfigError(key("waves.mapping") + " is \"" + mapping + "\"; use mirrormaker2 or identity");
        }
        String reverse = root.getString("waves.reverse-mapping");
        if (!reverse.equals("none") && !reverse.equals("identity")) {
            throw new ConfigError(key("waves.reverse-mapping") + " is \"" + reverse + "\"; use none or identity");
        }
        String syncsCluster = root.getString("waves.mirrormaker2.offset-syncs-cluster");
        if (!ProxyConfig.CLUSTER_NAMES.contains(syncsCluster)) {
            throw new ConfigError(key("waves.mirrormaker2.offset-syncs-cluster") + " is \"" + syncsCluster + "\"; use source or target");
        }
        long maxLag = root.getLong("waves.max-ready-lag");
        if (maxLag < 0) {
            throw new ConfigError(key("waves.max-ready-lag") + " must not be negative");
        }
        return new ProxyConfig.Waves(mapping, nonBlank(root, "waves.mirrormaker2.offset-syncs-topic"), syncsCluster, reverse,
            positiveDuration(root, "waves.fence-timeout"), longBytes(root, "waves.fence-max-bytes"), maxLag,
            positiveDuration(root, "waves.admin-timeout"), positiveDuration(root, "waves.unknown-outcome-window"));
    }

    private static long longBytes(Config root, String path) {
        long v = root.getBytes(path);
        if (v <= 0) {
            throw new ConfigError(key(path) + " must be positive, was " + v);
        }
        return v;
    }

    private static Map<String, String> tokens(Config root) {
        Map<String, String> tokens = new LinkedHashMap<>();
        Config t = root.getConfig("admin.tokens");
        for (String name : t.root().keySet()) {
            String token;
            try {
                token = t.getString(com.typesafe.config.ConfigUtil.quoteString(name));
            } catch (ConfigException e) {
                throw new ConfigError(key("admin.tokens." + name) + " must be a string");
            }
            if (token.length() < 16) {
                throw new ConfigError(key("admin.tokens." + name) + " is shorter than 16 characters; use a long random string");
            }
            tokens.put(name, token);
        }
        return tokens;
    }

    private static PortRange brokerPorts(Config root) {
        int first = port(root, "listener.broker-ports.first", false);
        int last = port(root, "listener.broker-ports.last", false);
        if (first > last) {
            throw new ConfigError(key("listener.broker-ports") + ": first (" + first + ") is above last (" + last + ")");
        }
        return new PortRange(first, last);
    }

    /** {@code place} is "listener" or "admin", whose settings are under {@code <place>.tls}. */
    private static ListenerTls listenerTls(ListenerTlsConfig config, String place, Supplier<TlsEngine> engine) {
        if (config == null) {
            return null;
        }
        try {
            return ListenerTls.create(place, config, engine.get());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new ConfigError(key(place + ".tls") + ": the certificate, key or CA files cannot be used: " + e.getMessage(), e);
        }
    }

    private static ClusterSecurity clusterSecurity(String name, ClusterSecurityConfig config, Duration handshakeTimeout,
                                                   Supplier<TlsEngine> engine) {
        try {
            return ClusterSecurity.create(name, config, handshakeTimeout, config.usesTls() ? engine.get() : null);
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new ConfigError(key("clusters." + name + ".security.tls") + ": the certificate, key or CA files cannot be used: "
                + e.getMessage(), e);
        }
    }

    private static Map<String, ClusterConfig> clusters(Config root, TlsSettingsReader files, ClusterIdentityReader identities,
                                                       Supplier<TlsEngine> engine) {
        // Connecting to a cluster includes its TLS handshake and SASL exchange; each gets this long.
        Duration handshakeTimeout = positiveDuration(root, "limits.upstream-connect-timeout");
        if (!root.hasPath("clusters." + ProxyConfig.SOURCE)) {
            throw new ConfigError(key("clusters.source") + " is required");
        }
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        for (String name : ProxyConfig.CLUSTER_NAMES) {
            String path = "clusters." + name;
            if (!root.hasPath(path)) {
                continue;
            }
            List<String> servers;
            try {
                servers = root.getStringList(path + ".bootstrap-servers");
            } catch (ConfigException.Missing e) {
                throw new ConfigError(key(path + ".bootstrap-servers") + " is required");
            }
            if (servers.isEmpty()) {
                throw new ConfigError(key(path + ".bootstrap-servers") + " must list at least one host:port");
            }
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (String s : servers) {
                addresses.add(hostPort(path + ".bootstrap-servers", s));
            }
            int offset = root.hasPath(path + ".node-id-offset") ? root.getInt(path + ".node-id-offset")
                : name.equals(ProxyConfig.TARGET) ? DEFAULT_TARGET_NODE_ID_OFFSET : 0;
            if (offset < 0) {
                throw new ConfigError(key(path + ".node-id-offset") + " must be >= 0, was " + offset);
            }
            ClusterSecurity security = clusterSecurity(name, identities.settle(name,
                ClusterSecurityReader.read(root, name, files)), handshakeTimeout, engine);
            clusters.put(name, new ClusterConfig(name, addresses, offset, security));
        }

        Set<Integer> offsets = new java.util.HashSet<>();
        for (ClusterConfig cc : clusters.values()) {
            if (!offsets.add(cc.nodeIdOffset())) {
                throw new ConfigError(key("clusters." + cc.name() + ".node-id-offset")
                    + " must differ from the other cluster's, so their virtual node ids cannot collide");
            }
        }
        return clusters;
    }

    static InetSocketAddress hostPort(String path, String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new ConfigError(key(path) + ": '" + value + "' is not host:port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigError(key(path) + ": '" + value + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigError(key(path) + ": port " + port + " of '" + value + "' is out of range");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    private static void checkPortsDisjoint(ProxyConfig.Listener listener, ProxyConfig.Admin admin) {
        PortRange range = listener.brokerPorts();
        int offset = listener.bindPortOffset();
        if (offset != 0 && (range.first() + offset < 1 || range.last() + offset > 65535
            || listener.bootstrapPort() != 0 && (listener.bootstrapPort() + offset < 1 || listener.bootstrapPort() + offset > 65535))) {
            throw new ConfigError(key("listener.bind-port-offset") + " (" + offset + ") moves a listener port out of 1-65535");
        }
        if (listener.bootstrapPort() != 0 && range.contains(listener.bootstrapPort())) {
            throw new ConfigError(key("listener.bootstrap-port") + " (" + listener.bootstrapPort()
                + ") lies inside listener.broker-ports");
        }
        if (admin.port() != 0 && range.contains(admin.port())) {
            throw new ConfigError(key("admin.port") + " (" + admin.port() + ") lies inside listener.broker-ports");
        }
        if (admin.port() != 0 && admin.port() == listener.bootstrapPort()) {
            throw new ConfigError(key("admin.port") + " equals listener.bootstrap-port");
        }
    }

    private static boolean isLoopback(String host) {
        if (host.equals("localhost")) {
            return true;
        }
        try {
            return java.net.InetAddress.getByName(host).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    static String key(String relative) {
        return ROOT + "." + relative;
    }

    private static String nonBlank(Config root, String path) {
        String v = root.getString(path);
        if (v.isBlank()) {
            throw new ConfigError(key(path) + " must not be empty");
        }
        return v;
    }

    private static int port(Config root, String path, boolean zeroAllowed) {
        int p = root.getInt(path);
        if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
            throw new ConfigError(key(path) + " must be a port number" + (zeroAllowed ? " (0 = any free port)" : "")
                + ", was " + p);
        }
        return p;
    }

    private static int positiveInt(Config root, String path) {
        int v = root.getInt(path);
        if (v <= 0) {
            throw new ConfigError(key(path) + " must be > 0, was " + v);
        }
        return v;
    }

    private static int bytes(Config root, String path) {
        long v = root.getBytes(path);
        if (v < 1024 || v > Integer.MAX_VALUE - 8) {
            throw new ConfigError(key(path) + " must be between 1 KiB and 2 GiB, was " + v + " bytes");
        }
        return (int) v;
    }

    private static Duration positiveDuration(Config root, String path) {
        Duration d = root.getDuration(path);
        if (d.isNegative() || d.isZero()) {
            throw new ConfigError(key(path) + " must be a positive duration, was " + d);
        }
        return d;
    }
}
