package io.cutover.proxy.server.security;

/** The proxy could not authenticate to a cluster: wrong credentials, a mechanism the broker lacks, no answer. */
public final class UpstreamAuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UpstreamAuthenticationException(String message, Throwable cause) {
        super(message, cause);
    }
}
