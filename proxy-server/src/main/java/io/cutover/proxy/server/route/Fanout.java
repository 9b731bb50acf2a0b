package io.cutover.proxy.server.route;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;

/**
 * Sends one request per cluster and waits for every outcome. A cluster that fails or does not
 * answer in time (each send has its own deadline) is reported as such rather than failing the
 * whole fan-out, so the answer can still be built from the clusters that did answer.
 */
final class Fanout {
    private Fanout() {
    }

    /** The clusters that answered, and why each of the others did not. */
    record Outcome<R>(Map<String, R> answers, Map<String, Throwable> failures) {
    }

    static <Q, R> CompletionStage<Outcome<R>> settled(Map<String, Q> requests, BiFunction<String, Q, CompletionStage<R>> send) {
        Map<String, CompletableFuture<R>> pending = new LinkedHashMap<>();
        requests.forEach((cluster, request) -> pending.put(cluster, send.apply(cluster, request).toCompletableFuture()));
        CompletableFuture<?>[] all = pending.values().stream().map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture<?>[]::new);
        return CompletableFuture.allOf(all).thenApply(ignored -> {
            Map<String, R> answers = new LinkedHashMap<>();
            Map<String, Throwable> failures = new LinkedHashMap<>();
            pending.forEach((cluster, f) -> {
                try {
                    answers.put(cluster, f.join());
                } catch (CompletionException e) {
                    failures.put(cluster, e.getCause() != null ? e.getCause() : e);
                } catch (java.util.concurrent.CancellationException e) {
                    failures.put(cluster, e);
                }
            });
            return new Outcome<>(answers, failures);
        });
    }
}
