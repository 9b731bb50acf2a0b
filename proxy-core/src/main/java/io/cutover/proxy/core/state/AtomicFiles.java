package io.cutover.proxy.core.state;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes state files so that a crash leaves either the old or the new content, never a torn file:
 * write a temp file, fsync it, rename it over the target, fsync the directory.
 *
 * <p>Each write has a temp file of its own ({@code <name>.<random>.tmp}), so two threads saving
 * the same file at once (a timer and shutdown, say) never write into one temp file: each rename
 * installs a complete file, and the one renamed last stays.
 */
public final class AtomicFiles {
    /** Read and write for the owner only: for files that hold secrets. */
    public static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private AtomicFiles() {
    }

    public static void write(Path target, byte[] content) {
        write(target, content, null);
    }

    /**
     * As {@link #write(Path, byte[])}, the file having exactly {@code permissions} from the moment
     * it exists (the temp file is created with them, so the content is never readable by others).
     * On a file system without POSIX permissions the file is written with its defaults.
     */
    public static void writeOwnerOnly(Path target, byte[] content) {
        write(target, content, OWNER_ONLY);
    }

    private static void write(Path target, byte[] content, Set<PosixFilePermission> permissions) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            boolean posix = permissions != null && FilePermissions.isPosix(dir);
            FileChannel ch = null;
            while (ch == null) {
                tmp = dir.resolve(target.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
                try {
                    ch = posix
                        ? FileChannel.open(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attribute(permissions))
                        : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException taken) {
                    // another write drew the same name: draw again
                }
            }
            try (FileChannel open = ch) {
                if (posix) {
                    // The creation mode is filtered by the umask; make sure it is exactly what was asked.
                    FilePermissions.set(tmp, permissions);
                }
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    open.write(buf);
                }
                open.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            fsyncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write state file " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed and says so; a leftover temp file is only clutter
                }
            }
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> permissions) {
        return PosixFilePermissions.asFileAttribute(permissions);
    }

    /**
     * A state file's bytes, or null when it does not exist (a first start). Any other failure to
     * read it stops the start: a state file is never taken as absent because it was unreadable.
     */
    public static byte[] readIfPresent(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
    }

    public static void fsyncDirectory(Path dir) {
        // Makes the rename itself durable. Not every platform lets a directory be opened; the rename
        // is still atomic there, only its durability waits for the next sync.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // best effort, see above
        }
    }
}
