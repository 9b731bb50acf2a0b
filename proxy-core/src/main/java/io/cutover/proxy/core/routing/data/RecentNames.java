package io.cutover.proxy.core.routing.data;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Strings a frame carries as UTF-8 bytes (topic names, transactional ids), turned into Strings
 * without a new one per request: a producer names the same few again and again. A small cache of
 * fixed size, indexed by a hash of the bytes; a miss decodes and takes the slot. Names are kept as
 * copies, never as views of a frame, and long ones are not kept at all, so the cache holds at most
 * {@code SLOTS * MAX_KEPT_BYTES} bytes whatever clients send.
 */
final class RecentNames {
    private static final int SLOTS = 64;
    private static final int MAX_KEPT_BYTES = 256;

    private final byte[][] bytes = new byte[SLOTS][];
    private final String[] strings = new String[SLOTS];

    /** The string of {@code length} UTF-8 bytes at {@code offset}. */
    String get(ByteBuf buf, int offset, int length) {
        if (length > MAX_KEPT_BYTES) {
            return buf.toString(offset, length, StandardCharsets.UTF_8);
        }
        int hash = length;
        for (int i = 0; i < length; i++) {
            hash = 31 * hash + buf.getByte(offset + i);
        }
        int slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
        byte[] kept = bytes[slot];
        if (kept != null && sameBytes(kept, buf, offset, length)) {
            return strings[slot];
        }
        byte[] copy = new byte[length];
        buf.getBytes(offset, copy);
        String s = new String(copy, StandardCharsets.UTF_8);
        bytes[slot] = copy;
        strings[slot] = s;
        return s;
    }

    private static boolean sameBytes(byte[] kept, ByteBuf buf, int offset, int length) {
        if (kept.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (kept[i] != buf.getByte(offset + i)) {
                return false;
            }
        }
        return true;
    }
}
