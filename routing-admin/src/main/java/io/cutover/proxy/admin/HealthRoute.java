package io.cutover.proxy.admin;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** GET /health: 200 when every upstream cluster is reachable, 503 otherwise, with details. */
public final class HealthRoute implements AdminRoute {
    /** A health report: whether the proxy is ready, and what the operator should see. */
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
