package io.cutover.proxy.core.capture;

import java.io.IOException;

/**
 * The capture file is not a pcap or pcapng file, or its structure is broken at {@link #offset()}.
 *
 * <p>A truncated last packet (tcpdump killed mid-write) ends up here too. Every event read from the
 * packets before the damage has already been returned by {@link CaptureReader#next()} when this is
 * thrown, and calling {@code next()} again treats the damage as the end of the capture, so a caller
 * can print the message and still drain what is left.
 */
public final class CaptureFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final long offset;

    CaptureFormatException(String source, long offset, String problem) {
        super(source + ": " + problem);
        this.source = source;
        this.offset = offset;
    }

    /** The file name (or the name given for a stream) the message starts with. */
    public String source() {
        return source;
    }

    /** Byte offset in the file of the block, record or header that is broken. */
    public long offset() {
        return offset;
    }
}
