package io.cutover.proxy.core.capture;

/**
 * One captured packet as the file stores it: link-layer bytes, of which {@code capturedLength} are
 * present; {@code originalLength} is what was on the wire (larger when a snapshot length cut it);
 * {@code comment}, a pcapng packet's first comment, or null.
 */
record LinkPacket(int linkType, long timestampMicros, byte[] data, int dataOffset, int capturedLength, long originalLength,
                  long fileOffset, String comment) {
    LinkPacket(int linkType, long timestampMicros, byte[] data, int dataOffset, int capturedLength, long originalLength,
               long fileOffset) {
        this(linkType, timestampMicros, data, dataOffset, capturedLength, originalLength, fileOffset, null);
    }
}
