package io.cutover.proxy.server.fleet;

/** The state cluster did not answer in time: nothing was written, or whether it was is unknown (said so). */
public final class StateUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StateUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
