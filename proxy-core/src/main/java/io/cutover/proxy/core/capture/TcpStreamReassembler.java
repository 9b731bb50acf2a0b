package io.cutover.proxy.core.capture;

import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the segments of one direction of a TCP connection into its byte stream, in order and once:
 * retransmitted and overlapping data is cut to what is new, segments ahead of a hole wait (within a
 * bound) for the hole to be filled by a later packet, since captures record retransmissions and
 * reordering as they happened.
 *
 * <p>Stream offsets are longs counted from the first byte after the SYN (or, for a connection
 * captured mid-way, from the first segment seen), so sequence-number wrap-around needs no care
 * beyond reading each sequence number relative to the next expected one.
 */
final class TcpStreamReassembler {
    /**
     * Out-of-order data held back waiting for a hole. A real retransmission fills a hole within a
     * round trip, long before this much data follows it; a hole this old is data the capture lost.
     */
    static final int MAX_PENDING_BYTES = 8 << 20;

    /** Where the stream's bytes go, in order. */
    interface Receiver {
        /** Returns false when it wants no more bytes. */
        boolean data(byte[] b, int offset, int length, long timestampMicros);

        void ended(StreamEnd how, long timestampMicros);
    }

    private final Receiver receiver;
    private final CaptureStats stats;
    private final TreeMap<Long, byte[]> pending = new TreeMap<>();
    private long pendingBytes;
    private boolean started;
    private int base;
    private long next;
    private long finAt = -1;
    /** How far the receiver has acknowledged: beyond {@link #next}, it got bytes the capture lost. */
    private long acknowledged = -1;
    /** Where the data of a packet cut by the snapshot length stops: a hole no retransmission fills. */
    private long cutAt = -1;
    private boolean ended;

    TcpStreamReassembler(Receiver receiver, CaptureStats stats) {
        this.receiver = receiver;
        this.stats = stats;
    }

    boolean ended() {
        return ended;
    }

    /** The sender's SYN: its sequence number is the one before the stream's first byte. */
    void syn(int initialSequence) {
        if (!started) {
            started = true;
            base = initialSequence + 1;
        }
    }

    /** An acknowledgement number sent by the receiver of this direction. */
    void acknowledged(int ack) {
        if (started && !ended) {
            acknowledged = Math.max(acknowledged, offset(ack));
        }
    }

    void segment(TcpSegment s) {
        if (ended) {
            return;
        }
        long micros = s.timestampMicros();
        if (!started) {
            started = true;
            base = s.sequence();
        }
        long start = offset(s.sequence());
        if (s.has(TcpSegment.SYN)) {
            start++; // the SYN occupies a sequence number; any data (TCP Fast Open) follows it
        }
        if (s.has(TcpSegment.FIN) && finAt < 0) {
            finAt = start + s.wireLength();
        }
        int length = s.payloadLength();
        if (s.wireLength() > length && start + s.wireLength() > next) {
            long at = start + length;
            cutAt = cutAt < 0 ? at : Math.min(cutAt, at);
        }
        if (length > 0) {
            accept(s.data(), s.payloadOffset(), length, start, micros);
        }
        if (!ended) {
            checkEnd(micros);
        }
    }

    /** The stream offset of a sequence number, read as the one nearest to the next expected byte. */
    private long offset(int sequence) {
        return next + (sequence - (base + (int) next));
    }

    /** A reset, the end of the capture, or a new connection on the same ports. */
    void finish(StreamEnd how, long micros) {
        if (ended) {
            return;
        }
        if (!pending.isEmpty() || (finAt >= 0 && next < finAt)) {
            gap(CaptureWarning.TCP_GAP, micros);
        } else {
            end(how, micros);
        }
    }

    private void accept(byte[] data, int offset, int length, long start, long micros) {
        long end = start + length;
        if (end <= next) {
            stats.retransmitted();
            return;
        }
        if (start > next) {
            stats.outOfOrder();
            hold(data, offset, length, start);
            return;
        }
        int skip = (int) (next - start);
        next = end;
        if (!deliver(data, offset + skip, length - skip, micros)) {
            return;
        }
        drain(micros);
    }

    private void hold(byte[] data, int offset, int length, long start) {
        byte[] held = pending.get(start);
        if (held != null && held.length >= length) {
            return;
        }
        byte[] copy = new byte[length];
        System.arraycopy(data, offset, copy, 0, length);
        pending.put(start, copy);
        pendingBytes += length - (held == null ? 0 : held.length);
    }

    private void drain(long micros) {
        while (!pending.isEmpty() && pending.firstKey() <= next) {
            Map.Entry<Long, byte[]> first = pending.pollFirstEntry();
            byte[] held = first.getValue();
            pendingBytes -= held.length;
            long end = first.getKey() + held.length;
            if (end > next) {
                int skip = (int) (next - first.getKey());
                next = end;
                if (!deliver(held, skip, held.length - skip, micros)) {
                    return;
                }
            }
        }
    }

    private boolean deliver(byte[] data, int offset, int length, long micros) {
        if (receiver.data(data, offset, length, micros)) {
            return true;
        }
        // The receiver has given up on this direction (not Kafka); nothing more to keep.
        ended = true;
        release();
        return false;
    }

    private void checkEnd(long micros) {
        if (cutAt >= 0) {
            if (next > cutAt) {
                cutAt = -1; // a full copy of the cut packet arrived after all
            } else if (next == cutAt) {
                gap(CaptureWarning.SNAPLEN_TRUNCATED, micros);
                return;
            }
        }
        if (finAt >= 0 && next >= finAt) {
            end(StreamEnd.FIN, micros);
        } else if (pendingBytes > MAX_PENDING_BYTES || acknowledged > next) {
            // Acknowledged bytes are not retransmitted: when a segment that came after the
            // acknowledgement has not filled the hole, nothing will. (Waiting for a later segment,
            // not deciding at the acknowledgement, absorbs a capture's slight reordering.)
            gap(CaptureWarning.TCP_GAP, micros);
        }
    }

    private void gap(CaptureWarning kind, long micros) {
        stats.warn(kind);
        stats.dropped(pendingBytes);
        end(StreamEnd.GAP, micros);
    }

    private void end(StreamEnd how, long micros) {
        ended = true;
        release();
        receiver.ended(how, micros);
    }

    private void release() {
        pending.clear();
        pendingBytes = 0;
    }
}
