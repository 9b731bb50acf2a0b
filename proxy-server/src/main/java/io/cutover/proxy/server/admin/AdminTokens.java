package io.cutover.proxy.server.admin;

import io.cutover.proxy.core.state.AtomicFiles;
import io.cutover.proxy.core.state.CorruptStateException;
import java.io.IOException;
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
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (token.length() < 16) {
                throw new CorruptStateException(file, "token shorter than 16 characters", null);
            }
            return Map.of(GENERATED_NAME, token);
        } catch (NoSuchFileException e) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            AtomicFiles.write(file, (token + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException | IOException ignored) {
                // not a POSIX file system: the file keeps the directory's defaults
            }
            return Map.of(GENERATED_NAME, token);
        } catch (IOException e) {
            throw new CorruptStateException(file, e.toString(), e);
        }
    }
}
