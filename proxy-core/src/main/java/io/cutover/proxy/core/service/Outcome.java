package io.cutover.proxy.core.service;

/**
 * What a route or wave service answers: the change or read went through, or why not. Services
 * speak in these terms, never in a transport's; the admin API turns each kind into its HTTP status,
 * and other callers (a fleet of proxies) can turn them into theirs.
 *
 * <p>Reasons are complete sentences for an operator. Refusals that leave something in a new or
 * telling state carry it as {@code current} (e.g. the wave as it stands after a refused switch), or
 * null when there is nothing to show.
 *
 * @param <T> what an accepted operation yields
 */
public sealed interface Outcome<T> {

    /** The operation went through; {@code value} is the result (e.g. the wave or route table after it). */
    record Accepted<T>(T value) implements Outcome<T> {
    }

    /**
     * The request itself is wrong and will stay wrong if repeated.
     *
     * @param field  the input at fault ("topics", "capture"), or null when the request as a whole is at fault
     * @param reason what is wrong with it, naming the field
     */
    record Invalid<T>(String field, String reason) implements Outcome<T> {
    }

    /** No {@code kind} (e.g. "wave") is called {@code name}. */
    record NotFound<T>(String kind, String name) implements Outcome<T> {
    }

    /**
     * The request is well formed but the current state refuses it (a wave in the wrong state, a gate
     * failing, an open transaction in the way).
     *
     * @param evidence what the refusal rests on, for callers that show it (e.g. the failed gate's
     *                 verdict), or null
     */
    record Conflict<T>(String reason, T current, Object evidence) implements Outcome<T> {
    }

    /**
     * The caller's change was based on version {@code expected} of what it changes, but someone else
     * changed it first: it is at {@code current} now. Re-reading and retrying may work.
     */
    record Stale<T>(long current, long expected) implements Outcome<T> {
    }

    /** Something the operation needs (a cluster, the journal's disk) did not answer; retrying later may work. Nothing changed. */
    record Unavailable<T>(String reason, T current) implements Outcome<T> {
    }

    /**
     * The change took effect, but could not be fully recorded; {@code reason} says what is missing and
     * how it gets completed.
     */
    record Incomplete<T>(String reason, T current) implements Outcome<T> {
    }

    static <T> Outcome<T> accepted(T value) {
        return new Accepted<>(value);
    }

    static <T> Outcome<T> invalid(String field, String reason) {
        return new Invalid<>(field, reason);
    }

    static <T> Outcome<T> notFound(String kind, String name) {
        return new NotFound<>(kind, name);
    }

    static <T> Outcome<T> conflict(String reason) {
        return new Conflict<>(reason, null, null);
    }

    static <T> Outcome<T> conflict(String reason, T current) {
        return new Conflict<>(reason, current, null);
    }

    static <T> Outcome<T> unavailable(String reason) {
        return new Unavailable<>(reason, null);
    }
}
