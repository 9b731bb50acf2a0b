package io.cutover.proxy.core.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Owner-only permissions for files and directories that hold secrets (the admin token, captures
 * of client traffic). On a POSIX file system a permission that cannot be set is an error, never
 * ignored: a secret left readable by others must stop the proxy, not go unnoticed.
 */
public final class FilePermissions {
    public static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");

    private FilePermissions() {
    }

    /** True when {@code path} (or its nearest existing parent) lives on a file system with POSIX permissions. */
    public static boolean isPosix(Path path) {
        Path p = path.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p != null && Files.getFileAttributeView(p, PosixFileAttributeView.class) != null;
    }

    /** Sets exactly {@code permissions} on {@code path}, and checks they took; throws naming the path otherwise. */
    public static void set(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Files.setPosixFilePermissions(path, permissions);
        Set<PosixFilePermission> actual = Files.getPosixFilePermissions(path);
        if (!actual.equals(permissions)) {
            throw new IOException("cannot make " + path + " " + java.nio.file.attribute.PosixFilePermissions.toString(permissions)
                + ": it is " + java.nio.file.attribute.PosixFilePermissions.toString(actual));
        }
    }

    /** Creates {@code dir} if need be and makes it owner-only (rwx------) on POSIX file systems. */
    public static void ownerOnlyDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        if (isPosix(dir)) {
            set(dir, OWNER_ONLY_DIRECTORY);
        }
    }
}
