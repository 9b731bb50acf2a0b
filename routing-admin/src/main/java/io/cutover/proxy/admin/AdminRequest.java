package io.cutover.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** An admin HTTP request, already aggregated and decoupled from Netty. */
public record AdminRequest(String method, String path, Map<String, List<String>> query, Map<String, String> pathParams,
                           Map<String, String> headers, byte[] body) {

    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String pathParam(String name) {
        return pathParams.get(name);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    AdminRequest withPathParams(Map<String, String> params) {
        return new AdminRequest(method, path, query, params, headers, body);
    }
}
