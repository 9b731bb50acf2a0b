package io.cutover.proxy.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigLoaderTest {
    private static ProxyConfig parse(String hocon) {
        return ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(hocon));
    }

    private static void assertRefused(String hocon, String... fragments) {
        ConfigError e = assertThrows(ConfigError.class, () -> parse(hocon));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' names " + f);
        }
    }

    @Test
    void requestMemoryMustBePositive() {
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.request-memory = 0 }",
            "limits.request-memory", "must be positive");
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.request-frame-timeout = 0s }",
            "limits.request-frame-timeout", "positive duration");
    }

    @Test
    void defaultsNeedOnlyTheSourceCluster() {
        ProxyConfig c = parse("cutover-proxy.clusters.source.bootstrap-servers = [\"kafka-1:9092\", \"kafka-2:9093\"]");
        assertEquals(2, c.source().bootstrapServers().size());
        assertEquals("kafka-1:9092,kafka-2:9093", c.source().bootstrapServersString());
        assertEquals(9192, c.listener().bootstrapPort());
        assertEquals(9193, c.listener().brokerPorts().first());
        assertEquals(100 * 1024 * 1024, c.limits().maxRequestFrameBytes());
        assertEquals(Duration.ofMinutes(10), c.limits().clientIdleTimeout());
        assertEquals(Duration.ofSeconds(5), c.limits().upstreamRequestTimeout());
        assertEquals(256L * 1024 * 1024, c.limits().requestMemoryBytes());
        assertEquals(Duration.ofSeconds(30), c.limits().requestFrameTimeout());
        assertEquals(Duration.ofSeconds(2), c.discovery().probeInterval());
        assertEquals(Path.of("state"), c.stateDir());
    }

    @Test
    void theExampleConfigLoads() {
        ProxyConfig c = ProxyConfigLoader.load(Path.of("../config/cutover-proxy.example.conf"));
        assertEquals("kafka-proxy.internal.example.com", c.listener().advertisedHost());
        assertEquals(3, c.source().bootstrapServers().size());
        assertEquals(9092, c.listener().bootstrapPort());
    }

    @Test
    void anUnknownKeyIsNamed() {
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.max-conections = 5 }",
            "unknown config key cutover-proxy.limits.max-conections");
    }

    @Test
    void anUnknownClusterOrClusterKeyIsNamed() {
        assertRefused("cutover-proxy.clusters { source.bootstrap-servers = [\"a:1\"], sauce.bootstrap-servers = [\"a:1\"] }",
            "unknown cluster sauce");
        assertRefused("cutover-proxy.clusters.source { bootstrap-servers = [\"a:1\"], bootstrap = \"a:1\" }",
            "cutover-proxy.clusters.source.bootstrap");
    }

    @Test
    void aValueOfTheWrongTypeNamesItsKey() {
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.max-connections = lots }",
            "limits.max-connections");
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], limits.client-idle-timeout = soon }",
            "limits.client-idle-timeout");
    }

    @Test
    void outOfRangeValuesAreNamed() {
        String source = "cutover-proxy.clusters.source.bootstrap-servers = [\"a:1\"]\n";
        assertRefused(source + "cutover-proxy.limits.max-connections = 0", "cutover-proxy.limits.max-connections must be > 0");
        assertRefused(source + "cutover-proxy.listener.broker-ports { first = 9300, last = 9200 }", "cutover-proxy.listener.broker-ports");
        assertRefused(source + "cutover-proxy.listener.bootstrap-port = 9200", "cutover-proxy.listener.bootstrap-port", "inside");
        assertRefused(source + "cutover-proxy.admin.port = 70000", "cutover-proxy.admin.port");
        assertRefused(source + "cutover-proxy.limits.max-request-frame-bytes = 3 GiB", "cutover-proxy.limits.max-request-frame-bytes");
        assertRefused(source + "cutover-proxy.listener.advertised-host = \"\"", "cutover-proxy.listener.advertised-host");
        assertRefused(source + "cutover-proxy.limits.upstream-request-timeout = 0 seconds", "cutover-proxy.limits.upstream-request-timeout");
        assertRefused(source + "cutover-proxy.discovery.probe-interval = 0 seconds", "cutover-proxy.discovery.probe-interval");
    }

    @Test
    void bootstrapServersMustBeHostPort() {
        assertRefused("cutover-proxy.clusters.source.bootstrap-servers = []", "cutover-proxy.clusters.source.bootstrap-servers",
            "at least one");
        assertRefused("cutover-proxy.clusters.source.bootstrap-servers = [\"kafka-1\"]", "cutover-proxy.clusters.source.bootstrap-servers",
            "not host:port");
        assertRefused("cutover-proxy.clusters.source.bootstrap-servers = [\"kafka-1:http\"]", "no numeric port");
    }

    @Test
    void aTargetClusterGetsItsOwnNodeIdRange() {
        ProxyConfig c = parse("cutover-proxy.clusters { source.bootstrap-servers = [\"a:1\"], target.bootstrap-servers = [\"b:1\"] }");
        assertTrue(c.twoClusters());
        assertEquals(0, c.source().nodeIdOffset());
        assertEquals(100_000, c.clusters().get("target").nodeIdOffset());
        assertRefused("cutover-proxy.clusters { source.bootstrap-servers = [\"a:1\"], target { bootstrap-servers = [\"b:1\"], node-id-offset = 0 } }",
            "node-id-offset", "must differ");
    }

    @Test
    void aNonLoopbackAdminNeedsTokens() {
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], admin.bind-host = \"0.0.0.0\" }",
            "cutover-proxy.admin.tokens is required");
        ProxyConfig c = parse("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], admin.bind-host = \"0.0.0.0\", "
            + "admin.tokens { ops = \"0123456789abcdef0123\" } }");
        assertEquals("0123456789abcdef0123", c.admin().tokens().get("ops"));
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], admin.tokens { ops = short } }",
            "cutover-proxy.admin.tokens.ops", "16 characters");
    }

    @Test
    void theFleetsAuditTopicDefaultsBesideTheStateTopicAndIsNeverTheStateTopic() {
        ProxyConfig c = parse("cutover-proxy.clusters.source.bootstrap-servers = [\"a:1\"]");
        assertEquals("__cutover_proxy_audit", c.fleet().auditTopic());
        assertRefused("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], fleet.audit-topic = \"__cutover_proxy_state\" }",
            "cutover-proxy.fleet.audit-topic", "state topic");
    }

    @Test
    void aMissingOrUnparseableFileIsNamed(@TempDir Path dir) throws Exception {
        ConfigError missing = assertThrows(ConfigError.class, () -> ProxyConfigLoader.load(dir.resolve("nope.conf")));
        assertTrue(missing.getMessage().contains("nope.conf"));
        Path broken = dir.resolve("broken.conf");
        Files.writeString(broken, "cutover-proxy { listener { ");
        ConfigError unparseable = assertThrows(ConfigError.class, () -> ProxyConfigLoader.load(broken));
        assertTrue(unparseable.getMessage().contains("broken.conf"), unparseable.getMessage());
    }
}
