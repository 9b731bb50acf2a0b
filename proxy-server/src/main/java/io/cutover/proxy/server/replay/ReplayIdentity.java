package io.cutover.proxy.server.replay;

/**
 * Whom one replayed connection stands for, and how it reaches the cluster: the principal its
 * client logged in to the proxy as (null when the capture names none), the user the cluster sees
 * (null without SASL), and the dialer that logs in as that user; or, with {@code refusal} set and
 * no dialer, why its requests are not replayed.
 */
public record ReplayIdentity(String principal, String user, Dialer dialer, String refusal) {
    /** Every connection as it comes, over plain TCP: the command line's replay. */
    public static final ReplayIdentity PLAINTEXT = new ReplayIdentity(null, null, Dialer.PLAINTEXT, null);

    public static ReplayIdentity as(String principal, String user, Dialer dialer) {
        return new ReplayIdentity(principal, user, dialer, null);
    }

    public static ReplayIdentity refused(String principal, String refusal) {
        return new ReplayIdentity(principal, null, null, refusal);
    }
}
