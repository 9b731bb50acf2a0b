package io.cutover.proxy.core.api;

import java.util.Collection;
import java.util.Set;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The ApiVersions answer clients get when the proxy fronts several clusters: only APIs every
 * cluster and the proxy support, each at the versions all of them support, so a client never picks
 * a version that the cluster it is moved to lacks. Features are intersected the same way.
 */
public final class ApiVersionsIntersection {
    private ApiVersionsIntersection() {
    }

    /**
     * @param clusters each cluster's own ApiVersions answer
     * @param hidden APIs not offered through the proxy in this mode
     */
    public static ApiVersionsResponseData of(Collection<ApiVersionsResponseData> clusters, Set<ApiKeys> hidden) {
        ApiVersionsResponseData first = clusters.iterator().next();
        ApiVersionsResponseData out = new ApiVersionsResponseData()
            .setFinalizedFeaturesEpoch(first.finalizedFeaturesEpoch())
            .setZkMigrationReady(false);
        for (ApiVersion v : first.apiKeys()) {
            if (!ApiKeys.hasId(v.apiKey()) || hidden.contains(ApiKeys.forId(v.apiKey()))) {
                continue;
            }
            short min = (short) Math.max(v.minVersion(), ApiSupport.minVersion(v.apiKey()));
            short max = (short) Math.min(v.maxVersion(), ApiSupport.maxVersion(v.apiKey()));
            boolean everywhere = ApiSupport.handling(v.apiKey()) != ApiHandling.HIDDEN;
            for (ApiVersionsResponseData other : clusters) {
                ApiVersion o = other.apiKeys().find(v.apiKey());
                if (o == null) {
                    everywhere = false;
                    break;
                }
                min = (short) Math.max(min, o.minVersion());
                max = (short) Math.min(max, o.maxVersion());
            }
            if (everywhere && min <= max) {
                out.apiKeys().add(new ApiVersion().setApiKey(v.apiKey()).setMinVersion(min).setMaxVersion(max));
            }
        }
        for (SupportedFeatureKey f : first.supportedFeatures()) {
            short min = f.minVersion();
            short max = f.maxVersion();
            boolean everywhere = true;
            for (ApiVersionsResponseData other : clusters) {
                SupportedFeatureKey o = other.supportedFeatures().find(f.name());
                if (o == null) {
                    everywhere = false;
                    break;
                }
                min = (short) Math.max(min, o.minVersion());
                max = (short) Math.min(max, o.maxVersion());
            }
            if (everywhere && min <= max) {
                out.supportedFeatures().add(new SupportedFeatureKey().setName(f.name()).setMinVersion(min).setMaxVersion(max));
            }
        }
        for (FinalizedFeatureKey f : first.finalizedFeatures()) {
            short min = f.minVersionLevel();
            short max = f.maxVersionLevel();
            boolean everywhere = true;
            for (ApiVersionsResponseData other : clusters) {
                FinalizedFeatureKey o = other.finalizedFeatures().find(f.name());
                if (o == null) {
                    everywhere = false;
                    break;
                }
                min = (short) Math.min(min, o.minVersionLevel());
                max = (short) Math.min(max, o.maxVersionLevel());
            }
            if (everywhere) {
                out.finalizedFeatures().add(new FinalizedFeatureKey().setName(f.name()).setMinVersionLevel(min).setMaxVersionLevel(max));
            }
        }
        return out;
    }
}
