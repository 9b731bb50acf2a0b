package io.cutover.proxy.core.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small file system of its own (a tmpfs mount) that a test can fill to the last byte and free
 * again: the way a state directory really becomes unwritable in production is a full disk, and
 * tests here run as root, which no file permission stops. Mounting needs CAP_SYS_ADMIN; where it is
 * missing, {@link #available()} says so and the tests that need it are skipped with that reason.
 */
public final class SmallDisk implements AutoCloseable {
    private static final String FILLER = ".filler";
    private static volatile String unavailable;
    private static volatile boolean probed;

    private final Path dir;

    private SmallDisk(Path dir) {
        this.dir = dir;
    }

    /** Null when a tmpfs can be mounted here; else why not. */
    public static synchronized String unavailableBecause() {
        if (!probed) {
            probed = true;
            try (SmallDisk probe = mount(1 << 20)) {
                unavailable = null;
            } catch (RuntimeException e) {
                unavailable = e.getMessage();
            }
        }
        return unavailable;
    }

    public static boolean available() {
        return unavailableBecause() == null;
    }

    /** Mounts a tmpfs of {@code bytes} on a new temp directory. */
    public static SmallDisk mount(long bytes) {
        try {
            Path dir = Files.createTempDirectory("cutover-small-disk");
            run(List.of("mount", "-t", "tmpfs", "-o", "size=" + bytes + ",mode=0700", "tmpfs", dir.toString()));
            return new SmallDisk(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    /**
     * Writes a filler file until the file system refuses more: from then on every write that needs a
     * new block fails with "No space left on device". Returns the bytes the filler took.
     */
    public long fill() {
        long written = 0;
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(dir.resolve(FILLER))) {
            for (int size = chunk.length; size >= 512; size /= 2) {
                while (true) {
                    try {
                        out.write(chunk, 0, size);
                        out.flush();
                        written += size;
                    } catch (IOException full) {
                        break;
                    }
                }
            }
        } catch (IOException closeOnFull) {
            // closing a stream whose last write was refused: the filler stays as large as it got
        }
        return written;
    }

    /** Deletes the filler: the file system has room again. */
    public void free() {
        try {
            Files.deleteIfExists(dir.resolve(FILLER));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        run(List.of("umount", "-l", dir.toString()));
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // an emptied mount point that cannot be removed is only a temp directory left behind
        }
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + " interrupted", e);
        }
    }
}
