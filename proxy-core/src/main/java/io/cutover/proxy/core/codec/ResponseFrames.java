package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;

/**
 * Reads a response header straight from a frame (size prefix included, at the reader index).
 * Response header v0 is just the correlationId; v1 adds a tagged-field section.
 */
public final class ResponseFrames {
    /** Size prefix plus correlationId. */
    public static final int MIN_FRAME_BYTES = 4 + 4;

    private static final int CORRELATION_ID_OFFSET = 4;

    private ResponseFrames() {
    }

    public static int correlationId(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + CORRELATION_ID_OFFSET);
    }

    /** Offset of the response body relative to the frame's reader index. */
    public static int bodyOffset(ByteBuf frame, short headerVersion) {
        int start = frame.readerIndex();
        int pos = start + CORRELATION_ID_OFFSET + 4;
        if (headerVersion >= 1) {
            pos = TaggedFields.skip(frame, pos, frame.writerIndex());
        }
        return pos - start;
    }
}
