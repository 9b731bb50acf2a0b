package io.cutover.proxy.server.wire;

import io.cutover.proxy.server.metrics.ProxyError;

/** A frame the proxy refuses; the connection it came on is closed, others are unaffected. */
public final class FrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ProxyError error;

    public FrameException(ProxyError error, String message) {
        super(message, null, false, false);
        this.error = error;
    }

    public ProxyError error() {
        return error;
    }
}
