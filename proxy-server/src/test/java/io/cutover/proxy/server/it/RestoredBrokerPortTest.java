package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.FaultRelay;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After a restart the proxy listens on the broker ports it saved before discovery has found their
 * brokers again. In the 50-switch soak, connections reaching those ports in that window (0.25 to
 * 0.9 s after each of 12 restarts) were closed at once (UNKNOWN_BROKER); to kafkajs that looks like
 * a broker dropping requests, and after one such broker it gave up finding its group coordinator
 * and its consumer stopped for good. Such a connection now waits for its broker's address.
 */
@ExtendWith(KafkaClusterExtension.class)
class RestoredBrokerPortTest {
    private static final short METADATA_VERSION = 12;

    @Test
    void aClientOfARestoredBrokerPortWaitsForDiscoveryInsteadOfBeingDisconnected(EmbeddedKafkaCluster cluster) throws Exception {
        try (FaultRelay relay = FaultRelay.start().forwardTo(cluster.bootstrapServers().split(",")[0])) {
            Path stateDir;
            int brokerPort;
            Map<String, Object> sameConfig = new HashMap<>();
            try (RunningProxy first = RunningProxy.in(relay.address(), Map.of())) {
                stateDir = first.stateDir();
                // The restart keeps the broker port range, or the saved ports would not be restored.
                sameConfig.put("listener.broker-ports.first", first.server().nodes().ports().first());
                sameConfig.put("listener.broker-ports.last", first.server().nodes().ports().last());
                List<VirtualNode> known = Await.until("the first run finds the broker and saves its port", Duration.ofSeconds(30),
                    () -> first.server().nodes().nodes(), nodes -> nodes.stream().anyMatch(VirtualNode::hasUpstreamAddress));
                brokerPort = known.get(0).port();
            }

            // The restarted proxy cannot reach its bootstrap: the saved port listens, its broker unknown.
            relay.blackhole();
            try (LogCapture connections = LogCapture.connections();
                 RunningProxy second = RunningProxy.start(relay.address(), restartConfig(sameConfig), stateDir)) {
                assertTrue(second.server().nodes().nodes().stream().anyMatch(n -> n.port() == brokerPort && !n.hasUpstreamAddress()),
                    "the saved port is restored before its broker is found again: " + second.server().nodes().nodes());
                try (RawKafkaClient raw = RawKafkaClient.connect("127.0.0.1:" + brokerPort)) {
                    raw.setTimeoutMillis(20_000);
                    raw.send(ApiKeys.METADATA, METADATA_VERSION, new MetadataRequestData().setTopics(null));
                    relay.restore();

                    MetadataResponseData answer = raw.receive(ApiKeys.METADATA, METADATA_VERSION).as(MetadataResponseData.class);
                    assertFalse(answer.brokers().isEmpty(), "answered once discovery found the broker: " + answer);
                }
                assertFalse(connections.contains("UNKNOWN_BROKER"), String.join("\n", connections.lines()));
            }
        }
    }

    /** Discovery retried often, each attempt given up soon, so the test need not wait long once the cluster is back. */
    private static Map<String, Object> restartConfig(Map<String, Object> sameConfig) {
        Map<String, Object> all = new HashMap<>(sameConfig);
        all.put("discovery.startup-wait", "1 second");
        all.put("discovery.interval", "1 second");
        all.put("limits.upstream-request-timeout", "2 seconds");
        return all;
    }
}
