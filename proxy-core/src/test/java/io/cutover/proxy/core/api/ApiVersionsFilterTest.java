package io.cutover.proxy.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class ApiVersionsFilterTest {
    private static ApiVersion v(int key, int min, int max) {
        return new ApiVersion().setApiKey((short) key).setMinVersion((short) min).setMaxVersion((short) max);
    }

    @Test
    void intersectsWithWhatTheProxyHandles() {
        ApiVersionsResponseData r = new ApiVersionsResponseData();
        r.apiKeys().add(v(ApiKeys.PRODUCE.id, 0, 99));
        r.apiKeys().add(v(ApiKeys.METADATA.id, 0, 99));
        r.apiKeys().add(v(ApiKeys.DESCRIBE_QUORUM.id, 0, 2));
        r.apiKeys().add(v(ApiKeys.VOTE.id, 0, 2));
        r.apiKeys().add(v(999, 0, 1));
        r.apiKeys().add(v(ApiKeys.FETCH.id, 4, 12));
        ApiVersionsFilter.restrictToProxy(r);

        ApiVersion produce = r.apiKeys().find(ApiKeys.PRODUCE.id);
        assertEquals(0, produce.minVersion(), "Produce's minimum is the broker's, as librdkafka expects");
        assertEquals(ApiKeys.PRODUCE.latestVersion(), produce.maxVersion());
        assertEquals(ApiKeys.METADATA.latestVersion(), r.apiKeys().find(ApiKeys.METADATA.id).maxVersion());
        assertEquals(1, r.apiKeys().find(ApiKeys.DESCRIBE_QUORUM.id).maxVersion(), "v2 would leak controller addresses");
        assertNull(r.apiKeys().find(ApiKeys.VOTE.id), "controller-only APIs are hidden");
        assertNull(r.apiKeys().find((short) 999), "APIs the proxy does not know are hidden");
        assertEquals(12, r.apiKeys().find(ApiKeys.FETCH.id).maxVersion(), "an older broker's maximum stands");
    }

    @Test
    void theUnsupportedVersionAnswerCarriesTheSupportedRange() {
        ApiVersionsResponseData r = ApiVersionsResponses.unsupportedVersion();
        assertEquals(35, r.errorCode());
        ApiVersion range = r.apiKeys().find(ApiKeys.API_VERSIONS.id);
        assertNotNull(range);
        assertEquals(ApiKeys.API_VERSIONS.latestVersion(), range.maxVersion());
    }

    @Test
    void acceptsOnlyVersionsInRange() {
        assertEquals(true, ApiSupport.accepts(ApiKeys.METADATA.id, ApiKeys.METADATA.latestVersion()));
        assertEquals(false, ApiSupport.accepts(ApiKeys.METADATA.id, (short) (ApiKeys.METADATA.latestVersion() + 1)));
        assertEquals(false, ApiSupport.accepts(ApiKeys.DESCRIBE_QUORUM.id, (short) 2));
        assertEquals(false, ApiSupport.accepts(ApiKeys.LEADER_AND_ISR.id, (short) 0));
        assertEquals(ApiHandling.HIDDEN, ApiSupport.handling(-3));
        assertEquals(ApiHandling.PASS_THROUGH, ApiSupport.handling(ApiKeys.OFFSET_COMMIT.id));
        assertEquals(false, ApiSupport.rewritesResponse(ApiKeys.FETCH.id, (short) 15), "older Fetch has no leader hints");
        assertEquals(true, ApiSupport.rewritesResponse(ApiKeys.FETCH.id, (short) 16));
    }
}
