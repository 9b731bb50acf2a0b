package io.cutover.proxy.admin;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** GET /metrics: Prometheus text exposition. */
public final class MetricsRoute implements AdminRoute {
    private final Supplier<String> scrape;

    public MetricsRoute(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    @Override
    public CompletionStage<AdminResponse> handle(AdminRequest request) {
        return CompletableFuture.completedFuture(
            AdminResponse.text(200, "text/plain; version=0.0.4; charset=utf-8", scrape.get()));
    }
}
