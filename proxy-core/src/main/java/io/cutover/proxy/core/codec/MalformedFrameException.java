package io.cutover.proxy.core.codec;

/**
 * A frame whose bytes do not form a valid Kafka request or response header. The connection it
 * arrived on cannot be trusted any more, so the caller closes it; other connections are unaffected.
 */
public final class MalformedFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedFrameException(String message) {
        super(message, null, false, false);
    }
}
