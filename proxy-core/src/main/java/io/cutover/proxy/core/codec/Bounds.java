package io.cutover.proxy.core.codec;

/**
 * Bounds checks for lengths read from a frame. A length comes from the peer and may be anything up
 * to 2^32: {@code pos + length > end} overflows an int for a length near 2^31 and lets it through,
 * so every check here compares the length with the room left instead.
 */
public final class Bounds {
    private Bounds() {
    }

    /**
     * Returns {@code pos + length} when {@code length} bytes from {@code pos} stay within {@code end};
     * otherwise throws {@link MalformedFrameException} naming {@code what}.
     */
    public static int advance(int pos, long length, int end, String what) {
        if (length < 0 || pos > end || length > end - pos) {
            throw new MalformedFrameException(what + " of " + length + " bytes at byte " + pos + " runs past the end of the frame");
        }
        return pos + (int) length;
    }
}
