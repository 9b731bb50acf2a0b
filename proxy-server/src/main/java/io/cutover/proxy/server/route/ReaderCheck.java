package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.RouteTable;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Names who reads a topic that a change moves to the other cluster (consumer groups with committed
 * offsets, connected fetchers): a plain change carries no offsets, so it is refused for them unless
 * forced.
 */
@FunctionalInterface
public interface ReaderCheck {
    CompletionStage<List<String>> readersOfMovedTopics(RouteTable current, RouteTable next);

    ReaderCheck NONE = (current, next) -> CompletableFuture.completedFuture(List.of());
}
