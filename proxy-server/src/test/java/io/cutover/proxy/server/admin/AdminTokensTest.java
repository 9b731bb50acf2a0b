package io.cutover.proxy.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokensTest {

    @Test
    void aGeneratedTokenFileIsReadableByItsOwnerOnly(@TempDir Path stateDir) throws Exception {
        Map<String, String> tokens = AdminTokens.resolve(Map.of(), stateDir);
        Path file = stateDir.resolve(AdminTokens.FILE_NAME);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(tokens.get(AdminTokens.GENERATED_NAME), Files.readString(file).trim());
    }

    @Test
    void aTokenFileOthersCanReadIsNarrowedAtStart(@TempDir Path stateDir) throws Exception {
        Path file = stateDir.resolve(AdminTokens.FILE_NAME);
        Files.writeString(file, "an-older-token-0123456789\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Map<String, String> tokens = AdminTokens.resolve(Map.of(), stateDir);
        assertEquals("an-older-token-0123456789", tokens.get(AdminTokens.GENERATED_NAME), "the token itself is kept");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
}
