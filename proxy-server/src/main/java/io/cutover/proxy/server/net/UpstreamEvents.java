package io.cutover.proxy.server.net;

/** What happens to a connection's upstream channel, reported to the connection pair. */
interface UpstreamEvents {
    void upstreamWritabilityChanged();

    /** The cluster closed the connection, or it broke. */
    void upstreamClosed();

    /** The upstream channel cannot be used any more (a broken response, say). */
    void upstreamFailed(String reason);
}
