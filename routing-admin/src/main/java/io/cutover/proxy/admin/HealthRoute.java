package io.cutover.proxy.admin;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * GET /health: 200 while the proxy can serve some clients (status UP or DEGRADED), 503 when it can
 * serve none (DOWN), with each cluster's details. GET /health/live and /health/ready answer the same
 * way from their own checks: 200 or 503 with a small JSON body.
 */
public final class HealthRoute implements AdminRoute {
    /** A health report: whether the proxy serves (200 rather than 503), and what the operator should see. */
    public record Health(boolean ready, Map<String, Object> details) {
    }

    private final Supplier<Health> check;

    public HealthRoute(Supplier<Health> check) {
        this.check = check;
    }

    @Override
    public CompletionStage<AdminResponse> handle(AdminRequest request) {
        Health h = check.get();
        return CompletableFuture.completedFuture(AdminResponse.json(h.ready() ? 200 : 503, h.details()));
    }
}
