package io.cutover.proxy.admin;

import io.cutover.proxy.core.service.Outcome;

/** The HTTP status of each kind of service outcome: the one place the admin API decides them. */
public final class OutcomeStatus {
    private OutcomeStatus() {
    }

    /** @param accepted the status of a success: 200, or 201 where the request made something new */
    public static int of(Outcome<?> outcome, int accepted) {
        if (outcome instanceof Outcome.Accepted) {
            return accepted;
        }
        if (outcome instanceof Outcome.Invalid) {
            return 400;
        }
        if (outcome instanceof Outcome.NotFound) {
            return 404;
        }
        if (outcome instanceof Outcome.Conflict) {
            return 409;
        }
        if (outcome instanceof Outcome.Stale) {
            return 412;
        }
        if (outcome instanceof Outcome.Unavailable) {
            return 503;
        }
        if (outcome instanceof Outcome.Incomplete) {
            return 500;
        }
        throw new IllegalArgumentException("no HTTP status for " + outcome);
    }

    /**
     * The operator's sentence for a refusal. Stale and NotFound have no sentence of their own: each
     * API words them for its resource.
     */
    public static String reason(Outcome<?> outcome) {
        if (outcome instanceof Outcome.Invalid<?> i) {
            return i.reason();
        }
        if (outcome instanceof Outcome.Conflict<?> c) {
            return c.reason();
        }
        if (outcome instanceof Outcome.Unavailable<?> u) {
            return u.reason();
        }
        if (outcome instanceof Outcome.Incomplete<?> i) {
            return i.reason();
        }
        if (outcome instanceof Outcome.NotFound<?> n) {
            return "no " + n.kind() + " named " + n.name();
        }
        if (outcome instanceof Outcome.Stale<?> s) {
            return "changed meanwhile: at version " + s.current() + ", not " + s.expected();
        }
        throw new IllegalArgumentException("not a refusal: " + outcome);
    }

    /** What a refusal leaves behind for the caller to see, or null. */
    public static <T> T current(Outcome<T> outcome) {
        if (outcome instanceof Outcome.Conflict<T> c) {
            return c.current();
        }
        if (outcome instanceof Outcome.Unavailable<T> u) {
            return u.current();
        }
        if (outcome instanceof Outcome.Incomplete<T> i) {
            return i.current();
        }
        return null;
    }
}
