package io.cutover.proxy.core.capture;

import java.net.InetSocketAddress;

/**
 * A connection's end: the first FIN (once the data before it has been framed), a reset, or the end
 * of the capture. It comes once per connection, after every frame of the closing side; the other
 * side may still deliver frames after a FIN (responses to requests sent before it).
 */
public record CapturedConnectionEnd(int connectionId, InetSocketAddress client, InetSocketAddress server,
                                    long timestampMicros, Reason reason) implements CaptureEvent {

    /** How the connection ended. */
    public enum Reason {
        CLIENT_CLOSED,
        SERVER_CLOSED,
        RESET,
        /** The capture ended with the connection still open (or its close not captured). */
        END_OF_CAPTURE,
        /** A new connection (a new SYN) used the same addresses and ports without a captured close. */
        REPLACED
    }
}
