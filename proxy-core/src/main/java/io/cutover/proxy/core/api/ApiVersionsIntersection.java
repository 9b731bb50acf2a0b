package io.cutover.proxy.core.api;

import java.util.Collection;
import java.util.Set;
import java.util.function.Function;
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
            if (ApiSupport.handling(v.apiKey()) == ApiHandling.HIDDEN) {
                continue;
            }
            Range common = common(new Range(min, max), clusters, c -> Range.of(c.apiKeys().find(v.apiKey())), false);
            if (common != null && common.min <= common.max) {
                out.apiKeys().add(new ApiVersion().setApiKey(v.apiKey()).setMinVersion(common.min).setMaxVersion(common.max));
            }
        }
        for (SupportedFeatureKey f : first.supportedFeatures()) {
            Range common = common(new Range(f.minVersion(), f.maxVersion()), clusters,
                c -> Range.of(c.supportedFeatures().find(f.name())), false);
            if (common != null && common.min <= common.max) {
                out.supportedFeatures().add(new SupportedFeatureKey().setName(f.name()).setMinVersion(common.min).setMaxVersion(common.max));
            }
        }
        for (FinalizedFeatureKey f : first.finalizedFeatures()) {
            // A finalized feature's level range is the lowest of each end, not the overlap.
            Range common = common(new Range(f.minVersionLevel(), f.maxVersionLevel()), clusters,
                c -> Range.of(c.finalizedFeatures().find(f.name())), true);
            if (common != null) {
                out.finalizedFeatures().add(new FinalizedFeatureKey().setName(f.name()).setMinVersionLevel(common.min)
                    .setMaxVersionLevel(common.max));
            }
        }
        return out;
    }

    /**
     * {@code start} narrowed by every cluster's range ({@code rangeIn}): the highest minimum (or,
     * with {@code lowestMin}, the lowest) and the lowest maximum. Null when a cluster has none.
     */
    private static Range common(Range start, Collection<ApiVersionsResponseData> clusters,
                                Function<ApiVersionsResponseData, Range> rangeIn, boolean lowestMin) {
        short min = start.min;
        short max = start.max;
        for (ApiVersionsResponseData cluster : clusters) {
            Range r = rangeIn.apply(cluster);
            if (r == null) {
                return null;
            }
            min = (short) (lowestMin ? Math.min(min, r.min) : Math.max(min, r.min));
            max = (short) Math.min(max, r.max);
        }
        return new Range(min, max);
    }

    /** A range of versions (or, for a finalized feature, of levels). */
    private record Range(short min, short max) {
        static Range of(ApiVersion v) {
            return v == null ? null : new Range(v.minVersion(), v.maxVersion());
        }

        static Range of(SupportedFeatureKey f) {
            return f == null ? null : new Range(f.minVersion(), f.maxVersion());
        }

        static Range of(FinalizedFeatureKey f) {
            return f == null ? null : new Range(f.minVersionLevel(), f.maxVersionLevel());
        }
    }
}
