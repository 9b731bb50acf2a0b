package io.cutover.proxy.core.capture;

/** What a {@link CaptureReader} yields: a Kafka frame, or the end of a connection. */
public sealed interface CaptureEvent permits CapturedFrame, CapturedConnectionEnd {
    /** The connection, numbered from 0 in order of first appearance in the capture. */
    int connectionId();

    /** Microseconds since the epoch, of the packet that completed the event. */
    long timestampMicros();
}
