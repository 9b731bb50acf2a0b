package io.cutover.proxy.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** What a client is offered in front of two clusters: what both clusters and the proxy support. */
class ApiVersionsIntersectionTest {
    private static ApiVersionsResponseData cluster(int fetchMin, int fetchMax, boolean withListOffsets, int featureMin, int featureMax,
                                                   int levelMin, int levelMax) {
        ApiVersionsResponseData d = new ApiVersionsResponseData().setFinalizedFeaturesEpoch(7);
        d.apiKeys().add(new ApiVersion().setApiKey(ApiKeys.FETCH.id).setMinVersion((short) fetchMin).setMaxVersion((short) fetchMax));
        d.apiKeys().add(new ApiVersion().setApiKey(ApiKeys.METADATA.id).setMinVersion((short) 0).setMaxVersion((short) 12));
        if (withListOffsets) {
            d.apiKeys().add(new ApiVersion().setApiKey(ApiKeys.LIST_OFFSETS.id).setMinVersion((short) 0).setMaxVersion((short) 8));
        }
        d.supportedFeatures().add(new SupportedFeatureKey().setName("metadata.version")
            .setMinVersion((short) featureMin).setMaxVersion((short) featureMax));
        d.finalizedFeatures().add(new FinalizedFeatureKey().setName("metadata.version")
            .setMinVersionLevel((short) levelMin).setMaxVersionLevel((short) levelMax));
        return d;
    }

    @Test
    void eachApiAtTheVersionsEveryClusterAndTheProxySupport() {
        ApiVersionsResponseData out = ApiVersionsIntersection.of(List.of(
            cluster(4, 13, true, 1, 20, 5, 20), cluster(0, 16, false, 3, 17, 3, 18)), Set.of());

        ApiVersion fetch = out.apiKeys().find(ApiKeys.FETCH.id);
        assertEquals(Math.max(4, ApiSupport.minVersion(ApiKeys.FETCH.id)), fetch.minVersion());
        assertEquals(Math.min(13, ApiSupport.maxVersion(ApiKeys.FETCH.id)), fetch.maxVersion());
        assertNull(out.apiKeys().find(ApiKeys.LIST_OFFSETS.id), "one cluster lacks it");
        assertEquals(7, out.finalizedFeaturesEpoch());

        SupportedFeatureKey feature = out.supportedFeatures().find("metadata.version");
        assertEquals(3, feature.minVersion(), "the highest minimum");
        assertEquals(17, feature.maxVersion(), "the lowest maximum");
        FinalizedFeatureKey level = out.finalizedFeatures().find("metadata.version");
        assertEquals(3, level.minVersionLevel(), "a finalized level range takes the lowest of each end");
        assertEquals(18, level.maxVersionLevel());
    }

    @Test
    void rangesThatDoNotOverlapAndHiddenApisAreLeftOut() {
        ApiVersionsResponseData out = ApiVersionsIntersection.of(List.of(
            cluster(4, 5, true, 1, 2, 1, 2), cluster(6, 13, true, 3, 4, 3, 4)), Set.of(ApiKeys.METADATA));

        assertNull(out.apiKeys().find(ApiKeys.FETCH.id), "no version both clusters take");
        assertNull(out.apiKeys().find(ApiKeys.METADATA.id), "hidden in this mode");
        assertEquals(ApiKeys.LIST_OFFSETS.id, out.apiKeys().find(ApiKeys.LIST_OFFSETS.id).apiKey());
        assertNull(out.supportedFeatures().find("metadata.version"));
        FinalizedFeatureKey level = out.finalizedFeatures().find("metadata.version");
        assertEquals(1, level.minVersionLevel(), "finalized levels are kept even apart");
        assertEquals(2, level.maxVersionLevel());
    }
}
