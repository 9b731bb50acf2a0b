package io.cutover.proxy.core.capture;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * The bytes of one capture, read front to back. It tracks the file offset so that every complaint
 * about the file can say where the damage is, and it turns an early end of file into a
 * {@link CaptureFormatException} that says how much was missing.
 */
final class CaptureInput implements Closeable {
    private final InputStream in;
    private final String name;
    private long offset;

    /**
     * The file's length is deliberately not used: the file may be a pipe, or still growing (a
     * capture being written), so only what reads return counts.
     */
    CaptureInput(InputStream in, String name) {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 1 << 16);
        this.name = name;
    }

    String name() {
        return name;
    }

    long offset() {
        return offset;
    }

    /** Up to {@code n} bytes from the current position, without consuming them. */
    byte[] peek(int n) throws IOException {
        in.mark(n);
        byte[] b = new byte[n];
        int got = readAvailable(b, 0, n);
        in.reset();
        if (got < n) {
            return java.util.Arrays.copyOf(b, got);
        }
        return b;
    }

    /**
     * Reads the first {@code n} bytes of a block or record starting here. Returns false at a clean
     * end of file (no byte left); a partial header is a truncation.
     */
    boolean readHeader(byte[] dst, int n, String what) throws IOException {
        long start = offset;
        int got = readAvailable(dst, 0, n);
        offset += got;
        if (got == 0) {
            return false;
        }
        if (got < n) {
            throw truncated(what, start, n, got);
        }
        return true;
    }

    /**
     * Reads the rest of a block or record of {@code total} bytes that started at {@code start}, into
     * {@code dst} at {@code dstOffset}.
     */
    void readRest(byte[] dst, int dstOffset, int n, String what, long start, long total) throws IOException {
        int got = readAvailable(dst, dstOffset, n);
        offset += got;
        if (got < n) {
            throw truncated(what, start, total, offset - start);
        }
    }

    CaptureFormatException error(long at, String problem) {
        return new CaptureFormatException(name, at, problem);
    }

    private CaptureFormatException truncated(String what, long start, long needed, long left) {
        return error(start, "truncated " + what + " at offset " + start + ": needs " + needed + " bytes, " + left + " left");
    }

    private int readAvailable(byte[] dst, int off, int n) throws IOException {
        int got = 0;
        while (got < n) {
            int r = in.read(dst, off + got, n - got);
            if (r < 0) {
                break;
            }
            got += r;
        }
        return got;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
