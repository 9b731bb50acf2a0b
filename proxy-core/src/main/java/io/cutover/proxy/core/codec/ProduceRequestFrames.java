package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Reads the fields of a Produce request that the proxy needs on the hot path, without decoding the
 * request or touching its record batches.
 */
public final class ProduceRequestFrames {
    /** Produce v9 is the first flexible version: compact strings from there on. */
    private static final short FIRST_FLEXIBLE_VERSION = 9;
    /** Produce v3 added transactionalId before acks. */
    private static final short FIRST_TRANSACTIONAL_VERSION = 3;

    private ProduceRequestFrames() {
    }

    /**
     * The request's acks. A Produce with acks=0 gets no response from the broker, so the proxy must
     * not wait for one.
     */
    public static short acks(ByteBuf frame) {
        return frame.getShort(acksOffset(frame));
    }

    /**
     * How long the broker may wait for acks=all replication before it answers REQUEST_TIMED_OUT, as
     * the client asked; with acks=1 and 0 the broker does not wait.
     */
    public static int timeoutMs(ByteBuf frame) {
        int pos = acksOffset(frame) + 2;
        if (4 > frame.writerIndex() - pos) {
            throw new MalformedFrameException("Produce request too short for timeoutMs");
        }
        return frame.getInt(pos);
    }

    /** Where acks lies: after the header, and from v3, after the transactionalId. */
    private static int acksOffset(ByteBuf frame) {
        short version = RequestFrames.apiVersion(frame);
        int pos = frame.readerIndex() + RequestFrames.bodyOffset(frame, ApiKeys.PRODUCE.requestHeaderVersion(version));
        int end = frame.writerIndex();
        if (version >= FIRST_FLEXIBLE_VERSION) {
            long lengthPlusOne = Varints.readUnsignedVarint(frame, pos, end);
            pos = Varints.endOfUnsignedVarint(frame, pos, end);
            pos = Bounds.advance(pos, Math.max(0, lengthPlusOne - 1), end, "Produce transactionalId");
        } else if (version >= FIRST_TRANSACTIONAL_VERSION) {
            pos = Bounds.advance(pos, 2, end, "Produce transactionalId length");
            short length = frame.getShort(pos - 2);
            if (length < -1) {
                throw new MalformedFrameException("Produce transactionalId length " + length + " is negative");
            }
            pos = Bounds.advance(pos, Math.max(0, length), end, "Produce transactionalId");
        }
        if (2 > end - pos) {
            throw new MalformedFrameException("Produce request too short for acks");
        }
        return pos;
    }
}
