package io.cutover.proxy.core.api;

import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/** ApiVersions answers the proxy builds itself. */
public final class ApiVersionsResponses {
    /** An ApiVersions error answer is always encoded at v0 with header v0, whatever was asked. */
    public static final short ERROR_RESPONSE_VERSION = 0;
    public static final short ERROR_RESPONSE_HEADER_VERSION = 0;

    private ApiVersionsResponses() {
    }

    /**
     * The protocol's answer to an ApiVersions request at a version the proxy does not know: v0,
     * UNSUPPORTED_VERSION, and the ApiVersions range the proxy does support, so the client retries
     * at a version within it.
     */
    public static ApiVersionsResponseData unsupportedVersion() {
        ApiVersionCollection keys = new ApiVersionCollection();
        keys.add(new ApiVersion()
            .setApiKey(ApiKeys.API_VERSIONS.id)
            .setMinVersion(ApiKeys.API_VERSIONS.oldestVersion())
            .setMaxVersion(ApiKeys.API_VERSIONS.latestVersion()));
        return new ApiVersionsResponseData()
            .setErrorCode(Errors.UNSUPPORTED_VERSION.code())
            .setApiKeys(keys);
    }
}
