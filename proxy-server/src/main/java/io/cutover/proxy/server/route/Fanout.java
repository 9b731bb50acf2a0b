package io.cutover.proxy.server.route;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Sends one request per cluster and waits for all the answers. */
final class Fanout {
    private Fanout() {
    }

    static <Q, R> CompletionStage<Map<String, R>> all(Map<String, Q> requests, java.util.function.BiFunction<String, Q, CompletionStage<R>> send) {
        Map<String, CompletableFuture<R>> pending = new LinkedHashMap<>();
        requests.forEach((cluster, request) -> pending.put(cluster, send.apply(cluster, request).toCompletableFuture()));
        return CompletableFuture.allOf(pending.values().toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            Map<String, R> out = new LinkedHashMap<>();
            pending.forEach((cluster, f) -> out.put(cluster, f.join()));
            return out;
        });
    }
}
