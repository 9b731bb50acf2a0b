package io.cutover.proxy.core.capture;

/** Kinds of trouble a capture can have that lose some traffic but do not stop the reading. */
public enum CaptureWarning {
    /** A packet on a link type this reader does not decode; it was skipped. */
    UNSUPPORTED_LINK_TYPE,
    /** A packet whose link, IP or TCP header is inconsistent or cut short; it was skipped. */
    MALFORMED_PACKET,
    /** An IPv4 or IPv6 fragment; IP reassembly is not done, so it was skipped. */
    IP_FRAGMENT,
    /**
     * A packet cut by the capture's snapshot length: the TCP payload it lacks ends the direction's
     * stream there (or, if even the headers are cut, the packet was skipped).
     */
    SNAPLEN_TRUNCATED,
    /**
     * A connection direction whose capture started mid-stream: the bytes before the first plausible
     * Kafka frame were dropped.
     */
    MID_STREAM_START,
    /** Bytes of a direction never captured (lost by the capture): the direction ends there. */
    TCP_GAP,
    /** A direction whose data is not Kafka frames (an impossible frame size): it ends there. */
    NOT_KAFKA,
    /** A connection ended, or the capture did, inside a frame; the partial frame was dropped. */
    INCOMPLETE_FRAME
}
