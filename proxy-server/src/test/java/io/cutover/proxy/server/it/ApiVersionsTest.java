package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** ApiVersions through the proxy: only versions the proxy handles, and the protocol's answer to a version it does not know. */
@ExtendWith(KafkaClusterExtension.class)
class ApiVersionsTest {
    private static RunningProxy proxy;
    private static EmbeddedKafkaCluster cluster;

    @BeforeAll
    static void startProxy(EmbeddedKafkaCluster c) {
        cluster = c;
        proxy = RunningProxy.in(c);
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    private static ApiVersionsResponseData apiVersions(String address, short version) {
        try (RawKafkaClient client = RawKafkaClient.connect(address)) {
            client.send(ApiKeys.API_VERSIONS, version, new ApiVersionsRequestData()
                .setClientSoftwareName("raw-test").setClientSoftwareVersion("1.0"));
            return client.receive(ApiKeys.API_VERSIONS, version).as(ApiVersionsResponseData.class);
        }
    }

    @Test
    void advertisesOnlyWhatBothTheBrokerAndTheProxyHandle() {
        ApiVersionsResponseData direct = apiVersions(cluster.bootstrapServers().split(",")[0], ApiKeys.API_VERSIONS.latestVersion());
        ApiVersionsResponseData proxied = apiVersions(proxy.bootstrapServers(), ApiKeys.API_VERSIONS.latestVersion());
        assertEquals(Errors.NONE.code(), proxied.errorCode());
        for (ApiVersion v : proxied.apiKeys()) {
            assertTrue(v.maxVersion() <= ApiSupport.maxVersion(v.apiKey()), "proxy caps " + ApiKeys.forId(v.apiKey()));
            ApiVersion upstream = direct.apiKeys().find(v.apiKey());
            assertNotNull(upstream, "the proxy only advertises APIs the broker has: " + v);
            assertTrue(v.minVersion() >= upstream.minVersion() && v.maxVersion() <= upstream.maxVersion(),
                "range within the broker's for " + ApiKeys.forId(v.apiKey()));
        }
        // DescribeQuorum v2 would carry controller addresses.
        ApiVersion quorum = proxied.apiKeys().find(ApiKeys.DESCRIBE_QUORUM.id);
        assertTrue(quorum == null || quorum.maxVersion() <= 1, "DescribeQuorum capped at v1");
        // Produce's minimum is passed on as the broker states it (librdkafka relies on it).
        assertEquals(direct.apiKeys().find(ApiKeys.PRODUCE.id).minVersion(), proxied.apiKeys().find(ApiKeys.PRODUCE.id).minVersion());
        // Every client-facing API the broker offers survives, the KIP-848 heartbeat among them.
        for (ApiKeys api : new ApiKeys[] {ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.METADATA, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.INIT_PRODUCER_ID, ApiKeys.FIND_COORDINATOR, ApiKeys.DESCRIBE_CLUSTER}) {
            assertNotNull(proxied.apiKeys().find(api.id), api + " advertised");
        }
        assertEquals(direct.finalizedFeatures(), proxied.finalizedFeatures(), "feature levels pass through");
    }

    @Test
    void unknownVersionGetsTheV0UnsupportedVersionAnswerThenTheClientCanRetry() {
        short tooNew = (short) (ApiKeys.API_VERSIONS.latestVersion() + 5);
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            int correlationId = client.send(ApiKeys.API_VERSIONS, tooNew, new ApiVersionsRequestData());
            RawKafkaClient.Response response = RawKafkaClient.decode(client.readFrame(), ApiKeys.API_VERSIONS, (short) 0, (short) 0);
            assertEquals(correlationId, response.correlationId());
            ApiVersionsResponseData data = response.as(ApiVersionsResponseData.class);
            assertEquals(Errors.UNSUPPORTED_VERSION.code(), data.errorCode());
            ApiVersion range = data.apiKeys().find(ApiKeys.API_VERSIONS.id);
            assertEquals(0, range.minVersion());
            assertEquals(ApiKeys.API_VERSIONS.latestVersion(), range.maxVersion());

            // The same connection goes on working at a version within the range.
            client.send(ApiKeys.API_VERSIONS, range.maxVersion(), new ApiVersionsRequestData()
                .setClientSoftwareName("raw-test").setClientSoftwareVersion("1.0"));
            ApiVersionsResponseData retry = client.receive(ApiKeys.API_VERSIONS, range.maxVersion()).as(ApiVersionsResponseData.class);
            assertEquals(Errors.NONE.code(), retry.errorCode());
            assertFalse(retry.apiKeys().isEmpty());
            assertNull(retry.apiKeys().find(ApiKeys.LEADER_AND_ISR.id), "no controller-only API");
        }
    }
}
