package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.ListenerTlsConfig;
import io.cutover.proxy.server.config.TlsEngineChoice;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate reload on the listener: only settled changes are loaded, and broken files never replace a working certificate. */
class ListenerTlsTest {
    @TempDir
    Path dir;

    private static void replace(Path from, Path to, long mtimeMillis) throws Exception {
        Path tmp = Files.copy(from, to.resolveSibling(to.getFileName() + ".new"), StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(tmp, FileTime.from(Instant.ofEpochMilli(mtimeMillis)));
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aChangeIsLoadedOnceSettledAndABrokenOneIsKeptOut() throws Exception {
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf a = pki.leaf("reload-a");
        TestCertificates.Leaf b = pki.leaf("reload-b");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        long t = System.currentTimeMillis() - 60_000;
        replace(a.certificatePem(), cert, t);
        replace(a.keyPem(), key, t);
        ListenerTls tls = ListenerTls.create("listener", new ListenerTlsConfig(new KeyMaterial.Pem(cert, key, null), null,
            ListenerTlsConfig.ClientAuth.NONE, List.of("TLSv1.3"), Duration.ofSeconds(1)), TlsEngine.resolve(TlsEngineChoice.AUTO,
            TlsEngine.NATIVE));
        var before = currentContext(tls);
        assertFalse(tls.reloadIfChanged(), "nothing changed");

        replace(b.certificatePem(), cert, t + 1_000);
        assertFalse(tls.reloadIfChanged(), "the certificate changed but the key may still be on its way");
        replace(b.keyPem(), key, t + 2_000);
        assertFalse(tls.reloadIfChanged(), "the key changed since the last look: wait one more");
        assertTrue(tls.reloadIfChanged(), "settled: loaded");
        var after = currentContext(tls);
        assertNotSame(before, after);

        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        assertFalse(tls.reloadIfChanged());
        assertFalse(tls.reloadIfChanged(), "a key that does not parse is refused");
        assertSame(after, currentContext(tls), "the working certificate stays");
        assertFalse(tls.reloadIfChanged(), "and the broken files are not tried again until they change");
    }

    private static Object currentContext(ListenerTls tls) throws Exception {
        var f = ListenerTls.class.getDeclaredField("current");
        f.setAccessible(true);
        return ((java.util.concurrent.atomic.AtomicReference<?>) f.get(tls)).get();
    }
}
