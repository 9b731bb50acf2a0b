package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.RouteService;
import io.cutover.proxy.core.state.AuditLog;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * The route service: validates a change, refuses one that moves topics being read (unless forced)
 * or that would split an open transaction, applies it only on the version the caller read, and
 * audits it.
 */
public final class RouteChanges implements RouteService {
    private final Routes routes;
    private final AuditLog audit;
    private final RouteChangeGuard guard;
    private final ReaderCheck readers;

    public RouteChanges(Routes routes, AuditLog audit, RouteChangeGuard guard, ReaderCheck readers) {
        this.routes = routes;
        this.audit = audit;
        this.guard = guard;
        this.readers = readers;
    }

    @Override
    public RouteTable current() {
        return routes.current();
    }

    @Override
    public CompletionStage<Outcome<RouteTable>> replace(UnaryOperator<RouteTable> proposal, long basedOn, boolean force, String who) {
        RouteTable current = routes.current();
        RouteTable next;
        try {
            next = proposal.apply(current).validate(routes.clusters());
        } catch (RouteTableException e) {
            return done(Outcome.invalid("routes", e.getMessage()));
        }
        // Validity first: a wrong table is wrong whatever version it was meant for.
        if (current.version() != basedOn) {
            return done(new Outcome.Stale<>(current.version(), basedOn));
        }
        return apply(who, "replace-routes", current, next, force);
    }

    @Override
    public CompletionStage<Outcome<RouteTable>> flip(RouteRule rule, OptionalLong basedOn, boolean force, String who) {
        RouteTable current = routes.current();
        RouteTable next;
        try {
            next = current.withRule(rule).validate(routes.clusters());
        } catch (RouteTableException e) {
            return done(Outcome.invalid("rule", e.getMessage()));
        }
        if (basedOn.isPresent() && basedOn.getAsLong() != current.version()) {
            return done(new Outcome.Stale<>(current.version(), basedOn.getAsLong()));
        }
        return apply(who, "flip", current, next, force);
    }

    private CompletionStage<Outcome<RouteTable>> apply(String who, String action, RouteTable current, RouteTable next, boolean force) {
        CompletionStage<List<String>> readersFound = force ? CompletableFuture.completedFuture(List.of())
            : readers.readersOfMovedTopics(current, next);
        return readersFound.thenCompose(found -> {
            if (!found.isEmpty()) {
                return done(new Outcome.Conflict<>(movesReaders(found), null, new MovesReaders(found)));
            }
            return guard.admit(current, next).thenApply(refused -> refused.isPresent()
                ? Outcome.<RouteTable>conflict(refused.get())
                : write(who, action, current, next));
        });
    }

    private static String movesReaders(List<String> found) {
        return "refused: this change moves topics that are being read, and a plain route change "
            + "carries no consumer offsets (their positions would be applied to the other cluster's log, skipping or "
            + "re-reading records): " + String.join("; ", found) + ". Move readers with a wave, which carries their "
            + "offsets, or force the change to move them anyway";
    }

    private Outcome<RouteTable> write(String who, String action, RouteTable current, RouteTable next) {
        RouteTable applied;
        try {
            applied = routes.replace(current.version(), next);
        } catch (Routes.VersionConflictException e) {
            return new Outcome.Stale<>(e.currentVersion(), current.version());
        } catch (Routes.StoreUnavailableException e) {
            return new Outcome.Unavailable<>("the route change was not stored: " + e.getMessage(), current);
        }
        audit.record(who, action, RouteTableJson.toJson(current), RouteTableJson.toJson(applied));
        return Outcome.accepted(applied);
    }

    private static CompletionStage<Outcome<RouteTable>> done(Outcome<RouteTable> outcome) {
        return CompletableFuture.completedFuture(outcome);
    }
}
