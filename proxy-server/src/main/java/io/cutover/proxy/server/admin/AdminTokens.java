package io.cutover.proxy.server.admin;

import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import io.cutover.proxy.core.state.FilePermissions;
import io.cutover.proxy.core.state.InsecureStateFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The admin API's tokens: the configured ones, or, when none is configured (loopback only), one the
 * proxy makes and keeps in {@code state-dir/admin-token} so operators on the host can read it.
 *
 * <p>The file is readable by its owner only (rw-------) from the moment it exists; one found with
 * wider permissions (made by an older version, or copied) is narrowed at start. On a POSIX file
 * system, permissions that cannot be set stop the start.
 */
public final class AdminTokens {
    public static final String FILE_NAME = "admin-token";
    public static final String GENERATED_NAME = "local-operator";

    private AdminTokens() {
    }

    public static Map<String, String> resolve(Map<String, String> configured, Path stateDir) {
        if (!configured.isEmpty()) {
            return configured;
        }
        Path file = stateDir.resolve(FILE_NAME);
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Map.of(GENERATED_NAME, create(file));
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
        if (token.length() < 16) {
            throw new CorruptStateException(file, "token shorter than 16 characters", null);
        }
        ownerOnly(file);
        return Map.of(GENERATED_NAME, token);
    }

    private static String create(Path file) {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try {
            AtomicFiles.writeOwnerOnly(file, (token + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (UncheckedIOException e) {
            throw new InsecureStateFileException(file, e.getCause().getMessage(), e);
        }
        return token;
    }

    private static void ownerOnly(Path file) {
        if (!FilePermissions.isPosix(file)) {
            return; // not a POSIX file system: access is the directory's ACLs' business
        }
        try {
            if (!Files.getPosixFilePermissions(file).equals(AtomicFiles.OWNER_ONLY)) {
                FilePermissions.set(file, AtomicFiles.OWNER_ONLY);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new InsecureStateFileException(file, "cannot make it " + PosixFilePermissions.toString(AtomicFiles.OWNER_ONLY)
                + ": " + e.getMessage(), e);
        }
    }
}
