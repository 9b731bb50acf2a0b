package io.cutover.proxy.server.metrics;

/** Failures the proxy itself detects; each is a value of the errors-by-code metric (origin=proxy). */
public enum ProxyError {
    /** A client frame larger than limits.max-request-frame-bytes. */
    FRAME_TOO_LARGE,
    /** A frame whose size or header cannot be a Kafka request or response. */
    MALFORMED_FRAME,
    /** A request for an API key the proxy does not know or does not serve. */
    UNKNOWN_API_KEY,
    /** A request at a version the proxy does not accept for that API. */
    UNSUPPORTED_VERSION,
    /** No upstream broker accepted the proxy's connection. */
    UPSTREAM_UNREACHABLE,
    /** An upstream broker closed the connection or sent something the proxy could not use. */
    UPSTREAM_FAILURE,
    /** A client closed its connection with a request still partly sent. */
    CLIENT_DISCONNECTED_MID_REQUEST,
    /** A connection refused because limits.max-connections was reached. */
    CONNECTION_LIMIT,
    /** A client connection closed for being idle past limits.client-idle-timeout. */
    IDLE_TIMEOUT,
    /** A client pipelined more requests than the proxy will hold for it. */
    TOO_MANY_IN_FLIGHT,
    /** A broker port with no broker behind it (its broker is unknown or gone). */
    UNKNOWN_BROKER,
    /** A client failed to log in to the proxy (listener.sasl): a wrong password, an unknown user or mechanism. */
    AUTHENTICATION_FAILED,
    /** A client sent a request other than ApiVersions, SaslHandshake or SaslAuthenticate before logging in. */
    UNAUTHENTICATED_REQUEST,
    /** Under listener.tls.sni, a TLS server name that is neither the bootstrap's nor a known broker's, or none at all. */
    UNKNOWN_SERVER_NAME,
    /**
     * A request frame that held request memory past limits.request-frame-timeout, still incomplete,
     * while other connections waited for it.
     */
    SLOW_REQUEST_FRAME,
    /**
     * A client that did not read the responses it was sent for limits.response-read-timeout while it
     * held response memory other connections waited for.
     */
    SLOW_RESPONSE_READER,
    /**
     * A Fetch response streamed to its client while it arrived turned out, once whole, to need a
     * rewrite that the bytes already sent rule out (a leader hint after records); the client's
     * connection is closed, and it fetches again.
     */
    STREAMED_RESPONSE_UNREWRITABLE
}
