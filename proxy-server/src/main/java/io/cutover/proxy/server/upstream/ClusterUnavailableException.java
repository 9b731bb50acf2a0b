package io.cutover.proxy.server.upstream;

/** The proxy's own connection to a cluster failed or timed out. */
public final class ClusterUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClusterUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
