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
        short version = RequestFrames.apiVersion(frame);
        int pos = frame.readerIndex() + RequestFrames.bodyOffset(frame, ApiKeys.PRODUCE.requestHeaderVersion(version));
        int end = frame.writerIndex();
        if (version >= FIRST_FLEXIBLE_VERSION) {
            long lengthPlusOne = Varints.readUnsignedVarint(frame, pos, end);
            pos += Varints.sizeOfUnsignedVarint((int) lengthPlusOne);
            if (lengthPlusOne > 1) {
                pos += (int) (lengthPlusOne - 1);
            }
        } else if (version >= FIRST_TRANSACTIONAL_VERSION) {
            if (pos + 2 > end) {
                throw new MalformedFrameException("Produce request too short for transactionalId");
            }
            short length = frame.getShort(pos);
            pos += 2 + Math.max(0, length);
        }
        if (pos + 2 > end) {
            throw new MalformedFrameException("Produce request too short for acks");
        }
        return frame.getShort(pos);
    }
}
