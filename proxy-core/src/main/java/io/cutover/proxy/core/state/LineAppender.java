package io.cutover.proxy.core.state;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends whole lines to a journal file (the producer ids', the switch journal). A journal's reader
 * skips a torn last line, so what matters is that a later line is never glued to a fragment: that
 * would make the later line, one the proxy already acted on, unreadable too, and a line after it
 * would make the whole file corrupt. Fragments come from two places: a process killed while writing,
 * and a file system that takes part of a write and then refuses the rest (a full disk). Both are cut
 * away here: at open, after the last complete line; after a refused append, back to where it began.
 */
public final class LineAppender implements Closeable {
    private static final int SCAN_BYTES = 8192;

    private final FileChannel channel;
    /** Where the last complete line ends: the next line goes here. */
    private long end;

    private LineAppender(FileChannel channel, long end) {
        this.channel = channel;
        this.end = end;
    }

    /** Opens (or creates) {@code file} for appending, cutting off a torn last line. */
    public static LineAppender open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            long end = afterLastNewline(ch);
            if (end != ch.size()) {
                ch.truncate(end);
            }
            return new LineAppender(ch, end);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Appends {@code line} (ending in '\n'); with {@code force}, returns once it is on disk. When the
     * write fails, what it left is cut off again before the failure is thrown; should that fail too,
     * the next append cuts it first.
     */
    public synchronized void append(byte[] line, boolean force) throws IOException {
        if (line.length == 0 || line[line.length - 1] != '\n') {
            throw new IllegalArgumentException("a journal line must end with a newline");
        }
        if (channel.size() != end) {
            channel.truncate(end);
        }
        ByteBuffer buf = ByteBuffer.wrap(line);
        long at = end;
        try {
            while (buf.hasRemaining()) {
                at += channel.write(buf, at);
            }
            if (force) {
                channel.force(false);
            }
        } catch (IOException e) {
            try {
                channel.truncate(end);
            } catch (IOException second) {
                e.addSuppressed(second);
            }
            throw e;
        }
        end = at;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private static long afterLastNewline(FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer buf = ByteBuffer.allocate(SCAN_BYTES);
        long chunkEnd = size;
        while (chunkEnd > 0) {
            long chunkStart = Math.max(0, chunkEnd - SCAN_BYTES);
            buf.clear().limit((int) (chunkEnd - chunkStart));
            long at = chunkStart;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, at);
                if (n < 0) {
                    throw new IOException("the file shrank while it was read");
                }
                at += n;
            }
            for (int i = buf.position() - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return chunkStart + i + 1;
                }
            }
            chunkEnd = chunkStart;
        }
        return 0;
    }
}
