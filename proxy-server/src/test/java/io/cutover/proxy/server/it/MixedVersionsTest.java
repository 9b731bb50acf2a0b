package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.ExternalKafkaBroker;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Kafka 3.9 source (a separate broker process from Maven jars) and a 4.3 target: the proxy
 * advertises only versions both support, and clients flip between them.
 */
@ExtendWith(KafkaClusterExtension.class)
class MixedVersionsTest {
    private static ExternalKafkaBroker legacy;

    @BeforeAll
    static void startLegacySource() throws Exception {
        if (!ExternalKafkaBroker.available() && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("the Kafka 3.9 jars are missing from " + ExternalKafkaBroker.LIBS + "; the reactor build makes them");
        }
        assumeTrue(ExternalKafkaBroker.available(), "the Kafka 3.9 jars are built by the kafka-legacy-broker module (full reactor build)");
        legacy = ExternalKafkaBroker.start();
    }

    @AfterAll
    static void stopLegacySource() throws Exception {
        if (legacy != null) {
            legacy.close();
        }
    }

    private static ApiVersionsResponseData apiVersions(String address) {
        try (RawKafkaClient c = RawKafkaClient.connect(address)) {
            c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
            return c.receive(ApiKeys.API_VERSIONS, (short) 3).as(ApiVersionsResponseData.class);
        }
    }

    @Test
    void theProxyAdvertisesTheIntersectionOfBothClusters(@Brokers(name = "target") EmbeddedKafkaCluster target) {
        try (RunningProxy proxy = RunningProxy.routing(legacy.bootstrapServers(), target.bootstrapServers(), Map.of())) {
            ApiVersionsResponseData source39 = apiVersions(legacy.bootstrapServers());
            ApiVersionsResponseData target43 = apiVersions(target.bootstrapServers().split(",")[0]);
            ApiVersionsResponseData proxied = apiVersions(proxy.bootstrapServers());
            for (ApiVersion v : proxied.apiKeys()) {
                for (ApiVersionsResponseData cluster : List.of(source39, target43)) {
                    ApiVersion c = cluster.apiKeys().find(v.apiKey());
                    assertNotNull(c, ApiKeys.forId(v.apiKey()) + " is offered by both clusters");
                    assertTrue(v.minVersion() >= c.minVersion() && v.maxVersion() <= c.maxVersion(),
                        ApiKeys.forId(v.apiKey()) + " " + v.minVersion() + ".." + v.maxVersion() + " lies within " + c.minVersion() + ".." + c.maxVersion());
                }
            }
            // Where the versions differ, the older cluster's maximum is the one advertised.
            ApiVersion fetch = proxied.apiKeys().find(ApiKeys.FETCH.id);
            assertEquals(Math.min(source39.apiKeys().find(ApiKeys.FETCH.id).maxVersion(), target43.apiKeys().find(ApiKeys.FETCH.id).maxVersion()),
                fetch.maxVersion());
            assertTrue(fetch.maxVersion() < target43.apiKeys().find(ApiKeys.FETCH.id).maxVersion(), "3.9 knows fewer Fetch versions than 4.3");
            if (source39.apiKeys().find(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id) == null) {
                assertNull(proxied.apiKeys().find(ApiKeys.CONSUMER_GROUP_HEARTBEAT.id),
                    "KIP-848 is not offered while the 3.9 source lacks it");
            }
        }
    }

    @Test
    void clientsFlipBetweenA39SourceAndA43Target(@Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        FlipScenario scenario = new FlipScenario(legacy.bootstrapServers(), target.bootstrapServers(), "flip-mixed");
        try (RunningProxy proxy = RunningProxy.routing(legacy.bootstrapServers(), target.bootstrapServers(), Map.of())) {
            List<Long> ms = scenario.run(proxy, new RoutingFlipTest.JavaClients(proxy, scenario, List.of("classic")), Duration.ofSeconds(60));
            System.out.println("FLIP-TO-FIRST-RECORD-MS java 3.9->4.3 " + FlipScenario.summary(ms));
        }
    }
}
