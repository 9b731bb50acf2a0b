package io.cutover.proxy.core.api;

import java.util.Iterator;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;

/**
 * Cuts an upstream ApiVersions answer down to what the proxy can handle: unknown and hidden APIs
 * are dropped, and each remaining range is intersected with the proxy's.
 */
public final class ApiVersionsFilter {
    private ApiVersionsFilter() {
    }

    public static void restrictToProxy(ApiVersionsResponseData response) {
        Iterator<ApiVersion> it = response.apiKeys().iterator();
        while (it.hasNext()) {
            ApiVersion v = it.next();
            int key = v.apiKey();
            if (ApiSupport.handling(key) == ApiHandling.HIDDEN) {
                it.remove();
                continue;
            }
            short min = (short) Math.max(v.minVersion(), ApiSupport.minVersion(key));
            short max = (short) Math.min(v.maxVersion(), ApiSupport.maxVersion(key));
            if (min > max) {
                it.remove();
                continue;
            }
            // minVersion and maxVersion are not key fields, so changing them in place keeps the
            // hash-linked collection intact.
            v.setMinVersion(min).setMaxVersion(max);
        }
    }
}
