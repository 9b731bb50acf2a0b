package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;

/** Walks a tagged-field section (KIP-482) without materialising it. */
final class TaggedFields {
    private TaggedFields() {
    }

    /** What to do with one tagged field, given where its value lies; {@code context} is the caller's own. */
    @FunctionalInterface
    interface FieldAction<C> {
        void field(long tag, ByteBuf buf, int start, int end, C context);
    }

    /** Returns the absolute index just past the tagged-field section that starts at {@code pos}. */
    static int skip(ByteBuf buf, int pos, int end) {
        return walk(buf, pos, end, null, null);
    }

    /**
     * Walks the tagged-field section that starts at {@code pos}, handing each field to {@code action}
     * (none: skipped) with {@code context}, so a caller on the request path need not allocate a
     * capturing lambda. Returns the absolute index just past the section.
     */
    static <C> int walk(ByteBuf buf, int pos, int end, FieldAction<C> action, C context) {
        long count = Varints.readUnsignedVarint(buf, pos, end);
        pos = Varints.endOfUnsignedVarint(buf, pos, end);
        if (count > end - pos) {
            // Each field takes at least two bytes (tag and size): a count beyond the bytes left is a lie.
            throw new MalformedFrameException("tagged-field count " + count + " at byte " + pos + " exceeds the bytes left in the frame");
        }
        for (long i = 0; i < count; i++) {
            long tag = Varints.readUnsignedVarint(buf, pos, end);
            pos = Varints.endOfUnsignedVarint(buf, pos, end);
            long size = Varints.readUnsignedVarint(buf, pos, end);
            pos = Varints.endOfUnsignedVarint(buf, pos, end);
            if (size > end - pos) {
                // The message is built only here: a String per field would be an allocation per request.
                throw new MalformedFrameException("tagged field " + tag + " of " + size + " bytes at byte " + pos + " runs past the end of the frame");
            }
            int fieldEnd = pos + (int) size;
            if (action != null) {
                action.field(tag, buf, pos, fieldEnd, context);
            }
            pos = fieldEnd;
        }
        return pos;
    }
}
