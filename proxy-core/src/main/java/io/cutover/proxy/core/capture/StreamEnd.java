package io.cutover.proxy.core.capture;

/** Why one direction of a TCP connection delivers no more bytes. */
enum StreamEnd {
    /** The sender's FIN, after all the data before it. */
    FIN,
    /** A reset from either side. */
    RESET,
    /** Bytes that the capture never saw; nothing after them can be framed. */
    GAP,
    /** The bytes are not Kafka frames. */
    NOT_KAFKA,
    /** The capture ended first, or the same addresses and ports started a new connection. */
    END_OF_CAPTURE
}
