package io.cutover.proxy.core.capture;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/** Running counts of what a {@link CaptureReader} has read, skipped and had to give up on. */
public final class CaptureStats {
    private long packetsRead;
    private long packetsSkipped;
    private long captureBytes;
    private long tcpPayloadBytes;
    private long retransmittedSegments;
    private long outOfOrderSegments;
    private long droppedBytes;
    private long requests;
    private long responses;
    private final Map<CaptureWarning, Long> warnings = new EnumMap<>(CaptureWarning.class);

    /** Packets (of any kind) read from the file. */
    public long packetsRead() {
        return packetsRead;
    }

    /** Packets not used: not IP or TCP, not to or from a Kafka server port, fragments, malformed. */
    public long packetsSkipped() {
        return packetsSkipped;
    }

    /** Bytes of the capture file read so far. */
    public long captureBytes() {
        return captureBytes;
    }

    /** TCP payload bytes of the Kafka connections, retransmissions included. */
    public long tcpPayloadBytes() {
        return tcpPayloadBytes;
    }

    /** Segments whose data had all been seen already. */
    public long retransmittedSegments() {
        return retransmittedSegments;
    }

    /** Segments that arrived before the data preceding them and were held back. */
    public long outOfOrderSegments() {
        return outOfOrderSegments;
    }

    /** Stream bytes not emitted as frames: before a mid-stream sync point, after a gap, partial frames. */
    public long droppedBytes() {
        return droppedBytes;
    }

    public long requests() {
        return requests;
    }

    public long responses() {
        return responses;
    }

    public long warnings(CaptureWarning kind) {
        return warnings.getOrDefault(kind, 0L);
    }

    /** The warnings seen so far, by kind; kinds never seen are absent. */
    public Map<CaptureWarning, Long> warnings() {
        return Collections.unmodifiableMap(new EnumMap<>(warnings));
    }

    void packetRead() {
        packetsRead++;
    }

    void packetSkipped() {
        packetsSkipped++;
    }

    void captureBytes(long total) {
        captureBytes = total;
    }

    void tcpPayload(long bytes) {
        tcpPayloadBytes += bytes;
    }

    void retransmitted() {
        retransmittedSegments++;
    }

    void outOfOrder() {
        outOfOrderSegments++;
    }

    void dropped(long bytes) {
        droppedBytes += bytes;
    }

    void request() {
        requests++;
    }

    void response() {
        responses++;
    }

    void warn(CaptureWarning kind) {
        warnings.merge(kind, 1L, Long::sum);
    }

    @Override
    public String toString() {
        return "packets " + packetsRead + " (skipped " + packetsSkipped + "), " + captureBytes + " capture bytes, "
            + tcpPayloadBytes + " Kafka TCP bytes, " + requests + " requests, " + responses + " responses, "
            + retransmittedSegments + " retransmitted and " + outOfOrderSegments + " out-of-order segments, "
            + droppedBytes + " bytes dropped, warnings " + warnings;
    }
}
