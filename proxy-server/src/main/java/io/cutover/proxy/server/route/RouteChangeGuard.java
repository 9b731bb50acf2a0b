package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.RouteTable;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Lets the proxy refuse or delay a route change, e.g. one that would split an open transaction. */
@FunctionalInterface
public interface RouteChangeGuard {
    /** Completes when the change may be applied (empty), or with the reason to refuse it. */
    CompletionStage<Optional<String>> admit(RouteTable current, RouteTable next);

    RouteChangeGuard NONE = (current, next) -> CompletableFuture.completedFuture(Optional.empty());
}
