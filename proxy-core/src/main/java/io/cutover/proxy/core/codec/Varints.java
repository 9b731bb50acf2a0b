package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;

/** Unsigned varints read at an absolute index, so a frame can be inspected without moving it. */
public final class Varints {
    private Varints() {
    }

    /** Reads an unsigned varint (at most 5 bytes) at {@code index}; bytes at or past {@code end} are out of bounds. */
    public static long readUnsignedVarint(ByteBuf buf, int index, int end) {
        long value = 0;
        int shift = 0;
        for (int i = index; i < end && shift <= 28; i++, shift += 7) {
            byte b = buf.getByte(i);
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (value > 0xffffffffL) {
                    break;
                }
                return value;
            }
        }
        throw new MalformedFrameException("invalid or truncated varint at byte " + index);
    }

    /**
     * Returns the index just past the unsigned varint at {@code index}. It counts the bytes as they
     * are, not as the shortest encoding of the value would be: a peer may send a value in more bytes
     * than needed (Kafka's own reader accepts that), and the next field starts after all of them.
     */
    public static int endOfUnsignedVarint(ByteBuf buf, int index, int end) {
        int limit = Math.min(end, index + 5);
        for (int i = index; i < limit; i++) {
            if ((buf.getByte(i) & 0x80) == 0) {
                return i + 1;
            }
        }
        throw new MalformedFrameException("invalid or truncated varint at byte " + index);
    }

    public static int sizeOfUnsignedVarint(int value) {
        int bytes = 1;
        while ((value & 0xffffff80) != 0L) {
            bytes += 1;
            value >>>= 7;
        }
        return bytes;
    }
}
