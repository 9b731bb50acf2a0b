package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connection limits and idle timeouts. */
@ExtendWith(KafkaClusterExtension.class)
class LimitsTest {
    private static void use(RawKafkaClient c) {
        c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
        c.receive(ApiKeys.API_VERSIONS, (short) 3);
    }

    @Test
    void connectionsOverTheLimitAreClosedAtOnce(EmbeddedKafkaCluster cluster) {
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.max-connections", 3)); LogCapture log = LogCapture.connections()) {
            List<RawKafkaClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    RawKafkaClient c = RawKafkaClient.connect(proxy.bootstrapServers());
                    use(c);
                    open.add(c);
                }
                try (RawKafkaClient refused = RawKafkaClient.connect(proxy.bootstrapServers())) {
                    assertTrue(refused.closedByPeer(), "the fourth connection is closed");
                }
                Await.until("a log line names the limit", Duration.ofSeconds(10), () -> log.contains("limits.max-connections"));
                assertTrue(proxy.metric("cutover_proxy_errors_total", "code=\"CONNECTION_LIMIT\"") >= 1);
                open.forEach(LimitsTest::use);

                open.remove(0).close();
                awaitUsable("a freed slot is usable", proxy, null);
            } finally {
                open.forEach(RawKafkaClient::close);
            }
        }
    }

    @Test
    void oneAddressCannotTakeEveryConnection(EmbeddedKafkaCluster cluster) {
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.max-connections-per-address", 2));
             LogCapture log = LogCapture.connections()) {
            List<RawKafkaClient> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    RawKafkaClient c = RawKafkaClient.connectFrom("127.0.0.1", proxy.bootstrapServers());
                    use(c);
                    open.add(c);
                }
                try (RawKafkaClient refused = RawKafkaClient.connectFrom("127.0.0.1", proxy.bootstrapServers())) {
                    assertTrue(refused.closedByPeer(), "the third connection from 127.0.0.1 is closed");
                }
                Await.until("a log line names the limit", Duration.ofSeconds(10), () -> log.contains("limits.max-connections-per-address"));
                // Another host (another loopback address) is still served, and so are the first two.
                try (RawKafkaClient other = RawKafkaClient.connectFrom("127.0.0.2", proxy.bootstrapServers())) {
                    use(other);
                }
                open.forEach(LimitsTest::use);
                open.remove(0).close();
                awaitUsable("a freed slot of that address is usable", proxy, "127.0.0.1");
            } finally {
                open.forEach(RawKafkaClient::close);
            }
        }
    }

    /** Waits until a new connection (from {@code localAddress}, or any) is served again. */
    private static void awaitUsable(String what, RunningProxy proxy, String localAddress) {
        Await.until(what, Duration.ofSeconds(10), () -> {
            try (RawKafkaClient again = RawKafkaClient.connectFrom(localAddress, proxy.bootstrapServers())) {
                again.setTimeoutMillis(2000);
                use(again);
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    @Test
    void idleConnectionsAreClosed(EmbeddedKafkaCluster cluster) {
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.client-idle-timeout", "1s"));
             RawKafkaClient idle = RawKafkaClient.connect(proxy.bootstrapServers())) {
            use(idle);
            idle.setTimeoutMillis(15_000);
            assertTrue(idle.closedByPeer(), "closed after being idle");
            assertTrue(proxy.metric("cutover_proxy_errors_total", "code=\"IDLE_TIMEOUT\"") >= 1);
            Await.until("its upstream connection is closed too", Duration.ofSeconds(10),
                () -> proxy.metric("cutover_proxy_upstream_connections_active") == 0);
        }
    }

    @Test
    void busyConnectionsAreNotIdle(EmbeddedKafkaCluster cluster) {
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.client-idle-timeout", "1s"));
             RawKafkaClient busy = RawKafkaClient.connect(proxy.bootstrapServers())) {
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                use(busy);
            }
            assertFalse(proxy.metric("cutover_proxy_errors_total", "code=\"IDLE_TIMEOUT\"") >= 1, "never idle");
        }
    }
}
