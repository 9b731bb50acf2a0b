package io.cutover.proxy.server.net;

/** Sends a client's requests to the cluster on the connection's upstream channel. */
interface RequestSender {

    /**
     * Sends the request upstream and takes its frame. A response slot is registered, carrying the
     * request's fix-up, unless no response will come (acks=0). Returns the slot, or null when none
     * was made (no response expected, or the connection is gone).
     */
    InFlightRequest forward(RequestFrame request);

    /** Flushes what was sent upstream since the last flush. */
    void flushUpstream();
}
