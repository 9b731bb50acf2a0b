package io.cutover.proxy.server.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.cutover.proxy.server.security.TlsEngine;
import io.cutover.proxy.server.testkit.TestCertificates;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tls.engine as the loader reads it: every TLS context takes it, a bad value or an unloadable openssl stops the start. */
class TlsEngineSettingTest {
    private static final TlsEngine.Availability MISSING = new TlsEngine.Availability() {
        @Override
        public boolean available() {
            return false;
        }

        @Override
        public Throwable cause() {
            return new UnsatisfiedLinkError("no netty_tcnative_linux_s390_64 in java.library.path");
        }

        @Override
        public String version() {
            throw new AssertionError("not asked when unavailable");
        }
    };

    private static ProxyConfig parse(String hocon) {
        return ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(hocon), Map.<String, String>of()::get);
    }

    private static String everyPlace(String engine) {
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf leaf = pki.leaf("engine-setting");
        String pem = "certificate-file = \"" + leaf.certificatePem() + "\", key-file = \"" + leaf.keyPem() + "\"";
        return "cutover-proxy { tls.engine = " + engine + ", listener.tls { enabled = true, " + pem + " }, admin.tls { enabled = true, "
            + pem + " }, clusters.source { bootstrap-servers = [\"localhost:9093\"], security { protocol = SSL, tls.ca-file = \""
            + pki.caPem() + "\" } } }";
    }

    @Test
    void theListenerTheAdminEndpointAndTheClustersAllTakeTheSetting() {
        ProxyConfig jdk = parse(everyPlace("jdk"));
        assertEquals(SslProvider.JDK, jdk.listener().tls().engine().provider());
        assertEquals(SslProvider.JDK, jdk.admin().tls().engine().provider());
        assertEquals(SslProvider.JDK, jdk.source().security().engine().provider());
        assertEquals("admin", jdk.admin().tls().place());

        SslProvider auto = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        ProxyConfig byDefault = parse(everyPlace("auto").replace("tls.engine = auto, ", ""));
        assertEquals(auto, byDefault.listener().tls().engine().provider());
        assertEquals(auto, byDefault.admin().tls().engine().provider());
        assertEquals(auto, byDefault.source().security().engine().provider());
    }

    @Test
    void anUnknownEngineIsRefusedWithTheChoices() {
        ConfigError e = assertThrows(ConfigError.class, () -> parse(everyPlace("boringssl")));
        assertTrue(e.getMessage().contains("cutover-proxy.tls.engine is \"boringssl\"; use auto, openssl or jdk"), e.getMessage());
    }

    @Test
    void opensslWhereItDoesNotLoadStopsTheStartNamingTheCause() {
        TlsEngineSetting setting = new TlsEngineSetting(ConfigFactory.parseString("tls.engine = openssl"), MISSING);
        ConfigError e = assertThrows(ConfigError.class, setting::get);
        assertTrue(e.getMessage().startsWith("cutover-proxy.tls.engine is openssl, but OpenSSL does not load here: "), e.getMessage());
        assertTrue(e.getMessage().contains("no netty_tcnative_linux_s390_64 in java.library.path"), e.getMessage());
        assertTrue(e.getMessage().contains("set it to auto"), e.getMessage());
    }

    @Test
    void withoutTlsTheEngineIsNeverSettled() {
        ProxyConfig plaintext = parse("cutover-proxy { tls.engine = openssl, clusters.source.bootstrap-servers = [\"localhost:9093\"] }");
        assertEquals(null, plaintext.source().security().engine());
        assertEquals(null, plaintext.listener().tls());
        assertDoesNotThrow(() -> new TlsEngineSetting(ConfigFactory.parseString("tls.engine = openssl"), MISSING),
            "reading openssl does not fail where it does not load; only a TLS context asking for it does");
    }
}
