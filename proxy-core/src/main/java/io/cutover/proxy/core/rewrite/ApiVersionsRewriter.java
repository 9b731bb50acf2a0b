package io.cutover.proxy.core.rewrite;

import io.cutover.proxy.core.api.ApiVersionsFilter;
import org.apache.kafka.common.message.ApiVersionsResponseData;

/** Advertises only the versions the proxy can handle. */
public final class ApiVersionsRewriter implements ResponseRewriter<ApiVersionsResponseData> {
    @Override
    public boolean rewrite(ApiVersionsResponseData response, short version, RewriteContext ctx) {
        NodeMapper nodes = ctx.nodes();
        ErrorCounter errors = ctx.errors();
        if (response.errorCode() != 0) {
            errors.count(response.errorCode());
        }
        ApiVersionsFilter.restrictToProxy(response);
        return true;
    }
}
