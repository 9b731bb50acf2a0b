package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutover.proxy.server.config.KeyMaterial;
import io.cutover.proxy.server.config.ListenerTlsConfig;
import io.cutover.proxy.server.config.TlsEngineChoice;
import io.cutover.proxy.server.testkit.TestCertificates;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** tls.engine: which engine each setting gives, here and where OpenSSL does not load, and the contexts built with it. */
class TlsEngineTest {
    /** OpenSSL as it is on a machine without the native library. */
    private static final TlsEngine.Availability MISSING = new TlsEngine.Availability() {
        @Override
        public boolean available() {
            return false;
        }

        @Override
        public Throwable cause() {
            return new IllegalStateException("failed to load the required native library",
                new UnsatisfiedLinkError("no netty_tcnative_osx_aarch_64 in java.library.path"));
        }

        @Override
        public String version() {
            throw new AssertionError("not asked when unavailable");
        }
    };

    private static SslContext listenerContext(TlsEngine engine) throws Exception {
        TestCertificates.Leaf leaf = TestCertificates.shared().leaf("engine-choice");
        return SslContexts.server(engine, new ListenerTlsConfig(new KeyMaterial.Pem(leaf.certificatePem(), leaf.keyPem(), null), null,
            ListenerTlsConfig.ClientAuth.NONE, List.of("TLSv1.3", "TLSv1.2"), Duration.ofSeconds(30)));
    }

    @Test
    @EnabledOnOs(value = OS.LINUX, architectures = "amd64")
    void openSslLoadsOnLinuxX86_64WhereItsNativeLibraryIsShipped() {
        assertTrue(OpenSsl.isAvailable(), "netty-tcnative-boringssl-static linux-x86_64 is on the class path: "
            + OpenSsl.unavailabilityCause());
    }

    @Test
    void autoPicksOpenSslWhenItLoads() throws Exception {
        TlsEngine engine = TlsEngine.resolve(TlsEngineChoice.AUTO, TlsEngine.NATIVE);
        if (OpenSsl.isAvailable()) {
            assertEquals(SslProvider.OPENSSL, engine.provider());
            assertEquals("openssl", engine.label());
            assertTrue(engine.description().startsWith("OpenSSL (" + OpenSsl.versionString()), engine.description());
            assertTrue(engine.description().contains("tls.engine = auto"), engine.description());
            assertInstanceOf(OpenSslContext.class, listenerContext(engine));
        } else {
            assertEquals(SslProvider.JDK, engine.provider());
            assertInstanceOf(JdkSslContext.class, listenerContext(engine));
        }
    }

    @Test
    void jdkForcesTheJdkEngineEvenWhereOpenSslLoads() throws Exception {
        TlsEngine engine = TlsEngine.resolve(TlsEngineChoice.JDK, TlsEngine.NATIVE);
        assertEquals(SslProvider.JDK, engine.provider());
        assertEquals("jdk", engine.label());
        assertEquals("JDK (tls.engine = jdk)", engine.description());
        assertInstanceOf(JdkSslContext.class, listenerContext(engine));
        assertInstanceOf(JdkSslContext.class, SslContexts.client(engine, null, null, true));
    }

    @Test
    void openSslBuildsOpenSslContextsOnBothSides() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL does not load on this machine");
        TlsEngine engine = TlsEngine.resolve(TlsEngineChoice.OPENSSL, TlsEngine.NATIVE);
        assertEquals(SslProvider.OPENSSL, engine.provider());
        assertInstanceOf(OpenSslContext.class, listenerContext(engine));
        assertInstanceOf(OpenSslContext.class, SslContexts.client(engine, null, null, true));
    }

    @Test
    void whereOpenSslDoesNotLoadAutoFallsBackToTheJdkAndSaysWhy() {
        TlsEngine engine = TlsEngine.resolve(TlsEngineChoice.AUTO, MISSING);
        assertEquals(SslProvider.JDK, engine.provider());
        assertTrue(engine.description().startsWith("JDK (tls.engine = auto; OpenSSL does not load here: "), engine.description());
        assertTrue(engine.description().contains("no netty_tcnative_osx_aarch_64 in java.library.path"), engine.description());
    }

    @Test
    void whereOpenSslDoesNotLoadOpensslRefusesNamingTheCause() {
        TlsEngine.OpenSslUnavailableException e = assertThrows(TlsEngine.OpenSslUnavailableException.class,
            () -> TlsEngine.resolve(TlsEngineChoice.OPENSSL, MISSING));
        assertTrue(e.getMessage().contains("failed to load the required native library"), e.getMessage());
        assertTrue(e.getMessage().contains("no netty_tcnative_osx_aarch_64"), e.getMessage());
        assertEquals(SslProvider.JDK, TlsEngine.resolve(TlsEngineChoice.JDK, MISSING).provider(), "jdk never needs it");
    }
}
