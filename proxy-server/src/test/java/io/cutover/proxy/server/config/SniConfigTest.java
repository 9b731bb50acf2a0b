package io.cutover.proxy.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** listener.tls.sni: what loads, and each refusal with the key it names. */
class SniConfigTest {
    private static String tls;

    @BeforeAll
    static void certificate() {
        TestCertificates.Leaf leaf = TestCertificates.shared().leaf("sni-config-test");
        tls = "enabled = true, certificate-file = \"" + leaf.certificatePem() + "\", key-file = \"" + leaf.keyPem() + "\"";
    }

    private static ProxyConfig parse(String listenerTls) {
        return ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(
            "cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], listener.tls { " + listenerTls + " } }"), Map.<String, String>of()::get);
    }

    private static void assertRefused(String listenerTls, String... fragments) {
        ConfigError e = assertThrows(ConfigError.class, () -> parse(listenerTls));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' says " + f);
        }
    }

    @Test
    void offByDefaultAndOnWithBothNames() {
        assertNull(parse(tls).listener().sni(), "a port per broker unless asked");
        SniRouting sni = parse(tls + ", sni { enabled = true, broker-host-pattern = \"broker-$(nodeId).Kafka.Example.com\", "
            + "bootstrap-host = \"Bootstrap.Kafka.Example.com\" }").listener().sni();
        assertEquals("broker-100003.kafka.example.com", sni.brokerHosts().hostFor(100003));
        assertEquals(100003, sni.brokerHosts().nodeIdOf("broker-100003.kafka.example.com"));
        assertEquals("bootstrap.kafka.example.com", sni.bootstrapHost(), "kept in lower case, as server names are compared");
    }

    @Test
    void sniNeedsTls() {
        assertRefused("sni { enabled = true, broker-host-pattern = \"b-$(nodeId).example.com\", bootstrap-host = \"bs.example.com\" }",
            "cutover-proxy.listener.tls.sni.enabled needs cutover-proxy.listener.tls.enabled = true", "TLS handshake");
    }

    @Test
    void namesSetWhileSniIsOffAreRefused() {
        assertRefused(tls + ", sni.broker-host-pattern = \"b-$(nodeId).example.com\"",
            "cutover-proxy.listener.tls.sni.broker-host-pattern is set but cutover-proxy.listener.tls.sni.enabled is false");
        assertRefused(tls + ", sni.bootstrap-host = \"bs.example.com\"", "listener.tls.sni.bootstrap-host is set but");
    }

    @Test
    void bothNamesAreRequired() {
        assertRefused(tls + ", sni { enabled = true, bootstrap-host = \"bs.example.com\" }",
            "listener.tls.sni.broker-host-pattern is required", "$(nodeId)");
        assertRefused(tls + ", sni { enabled = true, broker-host-pattern = \"b-$(nodeId).example.com\" }",
            "listener.tls.sni.bootstrap-host is required");
    }

    @Test
    void thePatternHoldsTheNodeIdExactlyOnceAndMakesDnsNames() {
        String on = tls + ", sni { enabled = true, bootstrap-host = \"bs.example.com\", broker-host-pattern = ";
        assertRefused(on + "\"broker.example.com\" }", "listener.tls.sni.broker-host-pattern", "does not contain $(nodeId)");
        assertRefused(on + "\"b$(nodeId)-$(nodeId).example.com\" }", "listener.tls.sni.broker-host-pattern", "more than once");
        assertRefused(on + "\"broker_$(nodeId).example.com\" }", "listener.tls.sni.broker-host-pattern", "not make valid DNS names",
            "'_'");
        assertRefused(on + "\"*.$(nodeId).example.com\" }", "not make valid DNS names", "'*'");
    }

    @Test
    void theBootstrapHostIsADnsNameOfItsOwn() {
        String on = tls + ", sni { enabled = true, broker-host-pattern = \"b-$(nodeId).example.com\", bootstrap-host = ";
        assertRefused(on + "\"bootstrap..example.com\" }", "listener.tls.sni.bootstrap-host", "not a valid DNS name", "empty label");
        assertRefused(on + "\"10.0.0.1:9192\" }", "listener.tls.sni.bootstrap-host", "not a valid DNS name");
        assertRefused(on + "\"10.0.0.1\" }", "listener.tls.sni.bootstrap-host", "IP address", "no server name");
        assertRefused(on + "\"b-7.example.com\" }", "listener.tls.sni.bootstrap-host", "also the name of node 7",
            "a name of its own");
    }

    @Test
    void sniIsAListenerSettingOnly() {
        ConfigError e = assertThrows(ConfigError.class, () -> ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(
            "cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], admin.tls.sni.enabled = true }")));
        assertTrue(e.getMessage().contains("unknown config key cutover-proxy.admin.tls.sni.enabled"), e.getMessage());
    }
}
