package io.cutover.proxy.server.wire;

import io.netty.handler.codec.DecoderException;

/** What went wrong in a pipeline, as a handler's exceptionCaught should judge it. */
public final class DecoderFailure {
    private DecoderFailure() {
    }

    /**
     * The failure itself: a decoder (frame, TLS) wraps what it threw in a DecoderException, which
     * says nothing of its own.
     */
    public static Throwable rootOf(Throwable cause) {
        return cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    }
}
