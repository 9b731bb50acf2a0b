package io.cutover.proxy.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Maps method and path to a route. Paths are templates whose {name} segments are captured, so
 * "/waves/{name}/switch" matches "/waves/w1/switch" with name=w1.
 *
 * <p>The bearer token is checked here, before anything else: a request without a valid token gets
 * 401 on every path except the few registered with {@link #publicGet} (health, metrics, the spec,
 * the status page), whatever the route would have answered (404, 405, 409 "configure
 * clusters.target"), so nothing about the API or the proxy's setup is told to a caller without one.
 */
public final class AdminRouter {
    private record Entry(String method, String template, String[] segments, AdminRoute route, boolean open) {
    }

    private final AdminAuth auth;
    private final List<Entry> entries = new ArrayList<>();

    public AdminRouter(AdminAuth auth) {
        this.auth = auth;
    }

    /** A route that needs a valid token (checked before the route runs). */
    public AdminRouter add(String method, String template, AdminRoute route) {
        entries.add(new Entry(method, template, split(template), route, false));
        return this;
    }

    /** A GET route anyone may call, without a token. Only for what the OpenAPI spec documents as public. */
    public AdminRouter publicGet(String template, AdminRoute route) {
        entries.add(new Entry("GET", template, split(template), route, true));
        return this;
    }

    public AdminRouter get(String template, AdminRoute route) {
        return add("GET", template, route);
    }

    public AdminRouter post(String template, AdminRoute route) {
        return add("POST", template, route);
    }

    public AdminRouter put(String template, AdminRoute route) {
        return add("PUT", template, route);
    }

    /**
     * What this router serves, as "METHOD /template" ("GET /waves/{name}"), in registration order.
     * The registrations are the only truth about the API's surface, so documentation and the
     * OpenAPI conformance test read them from here rather than keeping a second list.
     */
    public List<String> routes() {
        return entries.stream().map(e -> e.method + " " + e.template).toList();
    }

    CompletionStage<AdminResponse> dispatch(AdminRequest request) {
        String[] path = split(request.path());
        if (!isPublic(request.method(), path) && auth.authenticate(request) == null) {
            return CompletableFuture.completedFuture(AdminAuth.unauthorized());
        }
        Set<String> allowed = new LinkedHashSet<>();
        for (Entry e : entries) {
            Map<String, String> params = match(e.segments, path);
            if (params == null) {
                continue;
            }
            if (!e.method.equals(request.method())) {
                allowed.add(e.method);
                continue;
            }
            try {
                return e.route.handle(request.withPathParams(params));
            } catch (Exception ex) {
                return CompletableFuture.failedFuture(ex);
            }
        }
        if (!allowed.isEmpty()) {
            return CompletableFuture.completedFuture(
                AdminResponse.error(405, request.method() + " is not allowed on " + request.path() + "; use " + String.join(", ", allowed))
                    .withHeader("Allow", String.join(", ", allowed)));
        }
        return CompletableFuture.completedFuture(AdminResponse.error(404, "no admin endpoint at " + request.path()));
    }

    private boolean isPublic(String method, String[] path) {
        for (Entry e : entries) {
            if (e.open && e.method.equals(method) && match(e.segments, path) != null) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> match(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = null;
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (params == null) {
                    params = new HashMap<>();
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params == null ? Map.of() : params;
    }

    private static String[] split(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return trimmed.isEmpty() ? new String[0] : trimmed.split("/", -1);
    }
}
