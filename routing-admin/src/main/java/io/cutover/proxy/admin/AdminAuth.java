package io.cutover.proxy.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Bearer-token check for the admin API. Each token has a name, which the audit log records as who
 * made a change. Tokens are compared in constant time.
 */
public final class AdminAuth {
    private final Map<String, String> tokensByName;

    public AdminAuth(Map<String, String> tokensByName) {
        this.tokensByName = Map.copyOf(tokensByName);
        if (this.tokensByName.isEmpty()) {
            throw new IllegalArgumentException("at least one admin token is needed");
        }
    }

    /** The name of the token the request carries, or null when it carries none that is valid. */
    public String authenticate(AdminRequest request) {
        String header = request.header("authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        String match = null;
        for (Map.Entry<String, String> e : tokensByName.entrySet()) {
            if (MessageDigest.isEqual(presented, e.getValue().getBytes(StandardCharsets.UTF_8))) {
                match = e.getKey();
            }
        }
        return match;
    }

    /** Wraps a route so it runs only for a valid token; the caller's name is passed on. */
    public AdminRoute require(AuthenticatedRoute route) {
        return request -> {
            String who = authenticate(request);
            if (who == null) {
                return java.util.concurrent.CompletableFuture.completedFuture(unauthorized());
            }
            return route.handle(request, who);
        };
    }

    /** The answer to a request without a valid token. */
    static AdminResponse unauthorized() {
        return AdminResponse.error(401, "a valid bearer token is required (Authorization: Bearer <token>)")
            .withHeader("WWW-Authenticate", "Bearer realm=\"cutover-proxy\"");
    }

    /** A route that needs to know who calls it. */
    @FunctionalInterface
    public interface AuthenticatedRoute {
        java.util.concurrent.CompletionStage<AdminResponse> handle(AdminRequest request, String who) throws Exception;
    }
}
