package io.cutover.proxy.server.net;

import io.cutover.proxy.server.security.UpstreamAuthenticationException;

/** What happens to a connection's upstream channel, reported to the connection pair. */
interface UpstreamEvents {
    void upstreamWritabilityChanged();

    /** The cluster closed the connection, or it broke. */
    void upstreamClosed();

    /** The upstream channel cannot be used any more (a broken response, say). */
    void upstreamFailed(String reason);

    /** The connection's SASL exchange with the cluster succeeded (SASL clusters only). */
    default void upstreamAuthenticated() {
    }

    /** The cluster did not authenticate the connection's credentials; the channel is closing. */
    default void upstreamLoginFailed(UpstreamAuthenticationException e) {
        upstreamFailed("upstream connection failed: " + e);
    }
}
