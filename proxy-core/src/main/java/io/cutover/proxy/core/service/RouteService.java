package io.cutover.proxy.core.service;

import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * Reads and changes the live route table. A change may wait (for open transactions to end, for the
 * clusters to say who reads a moved topic), so it answers later; it is audited under {@code who}.
 */
public interface RouteService {
    RouteTable current();

    /**
     * Replaces the whole table.
     *
     * @param proposal makes the next table from the live one; may throw
     *                 {@link io.cutover.proxy.core.routing.RouteTableException} (then Invalid)
     * @param basedOn  the version the caller read: a table changed since is Stale, never overwritten
     * @param force    moves topics that are being read anyway (a plain change carries no consumer offsets)
     */
    CompletionStage<Outcome<RouteTable>> replace(UnaryOperator<RouteTable> proposal, long basedOn, boolean force, String who);

    /** Adds or replaces one rule; {@code basedOn} empty takes whatever version is live. */
    CompletionStage<Outcome<RouteTable>> flip(RouteRule rule, OptionalLong basedOn, boolean force, String who);

    /**
     * The evidence of a {@link Outcome.Conflict} that refused a plain change because it moves topics
     * that are being read: a wave moves them with their offsets, {@code force} without. Callers add
     * how to do either in their own terms.
     *
     * @param readers one sentence per group or client that reads a moved topic
     */
    record MovesReaders(List<String> readers) {
        public MovesReaders {
            readers = List.copyOf(readers);
        }
    }
}
