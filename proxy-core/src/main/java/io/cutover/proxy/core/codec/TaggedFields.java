package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;

/** Walks a tagged-field section (KIP-482) without materialising it. */
final class TaggedFields {
    private TaggedFields() {
    }

    /** Returns the absolute index just past the tagged-field section that starts at {@code pos}. */
    static int skip(ByteBuf buf, int pos, int end) {
        long count = Varints.readUnsignedVarint(buf, pos, end);
        pos += Varints.sizeOfUnsignedVarint((int) count);
        for (long i = 0; i < count; i++) {
            int tag = (int) Varints.readUnsignedVarint(buf, pos, end);
            pos += Varints.sizeOfUnsignedVarint(tag);
            int size = (int) Varints.readUnsignedVarint(buf, pos, end);
            pos += Varints.sizeOfUnsignedVarint(size);
            if (size < 0 || pos + size > end) {
                throw new MalformedFrameException("tagged field " + tag + " runs past the end of the frame");
            }
            pos += size;
        }
        return pos;
    }
}
