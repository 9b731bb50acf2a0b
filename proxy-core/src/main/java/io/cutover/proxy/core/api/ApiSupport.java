package io.cutover.proxy.core.api;

import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the proxy can handle, per API key: whether it passes through or is rewritten, and the
 * version range the proxy accepts. ApiVersions answers are cut to these ranges, so a client never
 * picks a version the proxy cannot handle.
 *
 * <p>Pass-through APIs accept any version down to 0: the proxy reads only the fixed header fields,
 * and librdkafka expects the broker's own Produce minimum to be advertised as it is. The upper bound
 * is what the bundled kafka-clients knows, because header versions (flexible or not) come from it.
 */
public final class ApiSupport {
    private static final int MAX_API_KEY = maxApiKey();
    private static final ApiHandling[] HANDLING = new ApiHandling[MAX_API_KEY + 1];
    private static final short[] MIN_VERSION = new short[MAX_API_KEY + 1];
    private static final short[] MAX_VERSION = new short[MAX_API_KEY + 1];
    /** First version whose response the proxy must decode; below it the response passes through. */
    private static final short[] REWRITE_FROM = new short[MAX_API_KEY + 1];

    static {
        for (ApiKeys api : ApiKeys.values()) {
            int id = api.id;
            if (!api.hasValidVersion() || !api.messageType.listeners().contains(ApiMessageType.ListenerType.BROKER)) {
                HANDLING[id] = ApiHandling.HIDDEN;
                MIN_VERSION[id] = 0;
                MAX_VERSION[id] = -1;
                REWRITE_FROM[id] = Short.MAX_VALUE;
                continue;
            }
            HANDLING[id] = ApiHandling.PASS_THROUGH;
            MIN_VERSION[id] = 0;
            MAX_VERSION[id] = api.latestVersion();
            REWRITE_FROM[id] = Short.MAX_VALUE;
        }
        // Responses that carry broker addresses or node ids the client will connect to.
        rewrite(ApiKeys.METADATA, ApiKeys.METADATA.oldestVersion());
        rewrite(ApiKeys.FIND_COORDINATOR, ApiKeys.FIND_COORDINATOR.oldestVersion());
        rewrite(ApiKeys.DESCRIBE_CLUSTER, ApiKeys.DESCRIBE_CLUSTER.oldestVersion());
        rewrite(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.oldestVersion());
        // KIP-951: NodeEndpoints arrive with Produce v10+ and Fetch v16+; older versions pass as bytes.
        rewrite(ApiKeys.PRODUCE, (short) 10);
        rewrite(ApiKeys.FETCH, (short) 16);
        rewrite(ApiKeys.SHARE_FETCH, ApiKeys.SHARE_FETCH.oldestVersion());
        rewrite(ApiKeys.SHARE_ACKNOWLEDGE, ApiKeys.SHARE_ACKNOWLEDGE.oldestVersion());
        // DescribeQuorum v2 returns controller listener addresses, which clients cannot reach through
        // the proxy; v1 carries no addresses.
        MAX_VERSION[ApiKeys.DESCRIBE_QUORUM.id] = 1;
    }

    private ApiSupport() {
    }

    private static void rewrite(ApiKeys api, short fromVersion) {
        HANDLING[api.id] = ApiHandling.REWRITE_RESPONSE;
        REWRITE_FROM[api.id] = fromVersion;
        if (fromVersion == api.oldestVersion()) {
            MIN_VERSION[api.id] = api.oldestVersion();
        }
    }

    private static int maxApiKey() {
        int max = 0;
        for (ApiKeys api : ApiKeys.values()) {
            max = Math.max(max, api.id);
        }
        return max;
    }

    public static ApiHandling handling(int apiKey) {
        return apiKey < 0 || apiKey > MAX_API_KEY ? ApiHandling.HIDDEN : HANDLING[apiKey];
    }

    /** True when the proxy accepts {@code version} of {@code apiKey} from a client. */
    public static boolean accepts(int apiKey, short version) {
        return handling(apiKey) != ApiHandling.HIDDEN && version >= MIN_VERSION[apiKey] && version <= MAX_VERSION[apiKey];
    }

    /** True when a response to this API and version must be decoded to be rewritten. */
    public static boolean rewritesResponse(int apiKey, short version) {
        return apiKey >= 0 && apiKey <= MAX_API_KEY && version >= REWRITE_FROM[apiKey];
    }

    public static short minVersion(int apiKey) {
        return MIN_VERSION[apiKey];
    }

    public static short maxVersion(int apiKey) {
        return MAX_VERSION[apiKey];
    }

    public static int maxApiKeyId() {
        return MAX_API_KEY;
    }
}
