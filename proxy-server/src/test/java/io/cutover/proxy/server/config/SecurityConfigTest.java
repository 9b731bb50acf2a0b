package io.cutover.proxy.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** clusters.*.security and listener.tls: what loads, what is refused and with which message, and that secrets stay secret. */
class SecurityConfigTest {
    private static final String SECRET = "s3cr\"et\\pw";
    private static TestCertificates pki;
    private static TestCertificates.Leaf leaf;

    @TempDir
    Path tmp;

    @BeforeAll
    static void certificates() {
        pki = TestCertificates.shared();
        leaf = pki.leaf("config-test");
    }

    private static ProxyConfig parse(String hocon, Map<String, String> env) {
        return ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(hocon), env::get);
    }

    private static ProxyConfig source(String security) {
        return parse("cutover-proxy.clusters.source { bootstrap-servers = [\"localhost:9093\"], security " + security + " }",
            Map.of("PROXY_PW", SECRET));
    }

    private static ConfigError refusedSource(String security, String... fragments) {
        ConfigError e = assertThrows(ConfigError.class, () -> source(security));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' says " + f);
        }
        assertFalse(e.getMessage().contains(SECRET), "the error shows no secret");
        return e;
    }

    private String q(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }

    @Test
    void withoutASecurityBlockTheClusterIsPlaintext() {
        ProxyConfig c = parse("cutover-proxy.clusters.source.bootstrap-servers = [\"a:1\"]", Map.of());
        assertEquals(SecurityProtocol.PLAINTEXT, c.source().security().protocol());
        assertEquals(Map.of("security.protocol", "PLAINTEXT"), c.source().security().clientProperties());
        assertNull(c.listener().tls());
    }

    @Test
    void saslSslTakesACaBundleAndAPasswordFromTheEnvironment() {
        ProxyConfig c = source("{ protocol = SASL_SSL, tls.ca-file = " + q(pki.caPem())
            + ", sasl { mechanism = scram-sha-512, username = proxy, password-env = PROXY_PW } }");
        var s = c.source().security();
        assertEquals(SecurityProtocol.SASL_SSL, s.protocol());
        assertEquals("SCRAM-SHA-512", s.config().sasl().mechanism());
        assertTrue(s.config().hostnameVerification(), "on by default");
        Map<String, Object> p = s.clientProperties();
        assertEquals("SASL_SSL", p.get("security.protocol"));
        assertEquals("PEM", p.get("ssl.truststore.type"));
        assertEquals(pki.caPem().toString(), p.get("ssl.truststore.location"));
        assertEquals("https", p.get("ssl.endpoint.identification.algorithm"));
        assertEquals("SCRAM-SHA-512", p.get("sasl.mechanism"));
        // The quote and backslash in the password are escaped, so the JAAS line parses to the same password.
        assertEquals("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"proxy\" password=\"s3cr\\\"et\\\\pw\";",
            p.get("sasl.jaas.config"));
        String shown = c.toString() + s + s.config();
        assertFalse(shown.contains(SECRET), "no secret in " + shown);
        assertTrue(shown.contains("environment variable PROXY_PW"), shown);
    }

    @Test
    void aPasswordFileLosesItsFinalNewlineAndMutualTlsTakesPemOrAKeyStore() throws Exception {
        Path pw = Files.writeString(tmp.resolve("pw"), "file-secret\n");
        ProxyConfig pem = source("{ protocol = SASL_SSL, tls { ca-file = " + q(pki.caPem()) + ", certificate-file = " + q(leaf.certificatePem())
            + ", key-file = " + q(leaf.keyPem()) + ", hostname-verification = false }, sasl { mechanism = PLAIN, username = proxy, "
            + "password-file = " + q(pw) + " } }");
        Map<String, Object> p = pem.source().security().clientProperties();
        assertTrue(((String) p.get("sasl.jaas.config")).contains("password=\"file-secret\";"), "newline dropped");
        assertTrue(((String) p.get("sasl.jaas.config")).startsWith("org.apache.kafka.common.security.plain.PlainLoginModule"));
        assertEquals("PEM", p.get("ssl.keystore.type"));
        assertTrue(((String) p.get("ssl.keystore.key")).contains("BEGIN PRIVATE KEY"));
        assertEquals("", p.get("ssl.endpoint.identification.algorithm"));

        Path storePw = Files.writeString(tmp.resolve("store-pw"), TestCertificates.PASSWORD);
        ProxyConfig store = source("{ protocol = SSL, tls { truststore { file = " + q(pki.trustStore()) + ", password-file = " + q(storePw)
            + " }, keystore { file = " + q(leaf.keyStore()) + ", password-file = " + q(storePw) + " } } }");
        Map<String, Object> s = store.source().security().clientProperties();
        assertEquals("PKCS12", s.get("ssl.keystore.type"));
        assertEquals(leaf.keyStore().toString(), s.get("ssl.keystore.location"));
        assertEquals("PKCS12", s.get("ssl.truststore.type"));
    }

    @Test
    void oauthbearerTakesAClientCredentialsGrantAndKeepsItsSecretSecret() {
        ProxyConfig c = source("{ protocol = SASL_SSL, tls.ca-file = " + q(pki.caPem()) + ", sasl { mechanism = oauthbearer, "
            + "token-endpoint-url = \"https://idp.example/oauth2/token\", client-id = cutover-proxy, client-secret-env = PROXY_PW, "
            + "scope = kafka } }");
        var s = c.source().security();
        SaslCredentials sasl = s.config().sasl();
        assertEquals("OAUTHBEARER", sasl.mechanism());
        assertEquals("cutover-proxy", sasl.username());
        assertEquals("https://idp.example/oauth2/token", sasl.grant().tokenEndpoint().toString());
        assertEquals("kafka", sasl.grant().scope());
        assertEquals(SECRET, sasl.grant().clientSecret().value());
        Map<String, Object> p = s.clientProperties();
        assertEquals("OAUTHBEARER", p.get("sasl.mechanism"));
        assertEquals("io.cutover.proxy.server.security.ServiceTokenLogin", p.get("sasl.login.callback.handler.class"));
        assertTrue(((String) p.get("sasl.jaas.config")).startsWith("org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"));
        String shown = c.toString() + s + s.config() + p;
        assertFalse(shown.contains(SECRET), "no secret in " + shown);
        assertTrue(shown.contains("environment variable PROXY_PW"), shown);
        s.close();
    }

    @Test
    void oauthbearerSettingsThatCannotWorkAreRefused() throws Exception {
        String ok = "token-endpoint-url = \"https://idp.example/token\", client-id = p, client-secret-env = PROXY_PW";
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, client-id = p, client-secret-env = PROXY_PW } }",
            "sasl.token-endpoint-url is required");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"ftp://idp/token\", client-id = p, "
            + "client-secret-env = PROXY_PW } }", "an http or https URL");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"https://u:pw@idp/token\", "
            + "client-id = p, client-secret-env = PROXY_PW } }", "no user or password in the URL");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"https://idp/token\", "
            + "client-secret-env = PROXY_PW } }", "sasl.client-id is required");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"https://idp/token\", client-id = p } }",
            "sasl.client-secret-env or", "required");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, " + ok + ", client-secret = \"inline\" } }",
            "security.sasl.client-secret", "client-secret-env", "client-secret-file");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, " + ok + ", username = p } }",
            "sasl.username is set", "token the proxy fetches itself");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = PLAIN, username = p, password-env = PROXY_PW, client-id = x } }",
            "sasl.client-id is for mechanism OAUTHBEARER only");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"http://idp/token\", client-id = p, "
            + "client-secret-env = PROXY_PW, token-endpoint-ca-file = " + q(pki.caPem()) + " } }", "is not https");
    }

    @Test
    void wrongCombinationsAreRefusedNamingTheKey() throws Exception {
        refusedSource("{ protocol = TLS }", "cutover-proxy.clusters.source.security.protocol", "SASL_SSL");
        refusedSource("{ tls.ca-file = " + q(pki.caPem()) + " }", "security.protocol is required");
        refusedSource("{ protocol = SASL_PLAINTEXT, tls.ca-file = " + q(pki.caPem())
            + ", sasl { mechanism = PLAIN, username = p, password-env = PROXY_PW } }", "security.tls", "does not use TLS");
        refusedSource("{ protocol = SSL, sasl { mechanism = PLAIN, username = p, password-env = PROXY_PW } }", "security.sasl",
            "does not use SASL");
        refusedSource("{ protocol = SASL_SSL }", "security.sasl", "required");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = GSSAPI, username = p, password-env = PROXY_PW } }",
            "sasl.mechanism", "GSSAPI is not supported yet");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = PLAIN, username = p, password = \"inline-secret\" } }",
            "security.sasl.password", "password-env", "password-file");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = PLAIN, username = p } }", "password-env or", "required");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = PLAIN, username = p, password-env = NOT_SET } }",
            "environment variable NOT_SET", "not set");
        Path pw = Files.writeString(tmp.resolve("pw"), "x");
        refusedSource("{ protocol = SASL_SSL, sasl { mechanism = PLAIN, username = p, password-env = PROXY_PW, password-file = " + q(pw)
            + " } }", "both set");
        refusedSource("{ protocol = SSL, tls.ca-file = \"/no/such/ca.pem\" }", "security.tls.ca-file", "/no/such/ca.pem", "does not exist");
        refusedSource("{ protocol = SSL, tls { ca-file = " + q(pki.caPem()) + ", truststore.file = " + q(pki.trustStore()) + " } }",
            "either ca-file", "not both");
        refusedSource("{ protocol = SSL, tls.certificate-file = " + q(leaf.certificatePem()) + " }", "key-file is missing");
        Path rsa = Files.writeString(tmp.resolve("old.key"), "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        refusedSource("{ protocol = SSL, tls { certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(rsa) + " } }",
            "not a PKCS#8 PEM key", "openssl pkcs8");
        refusedSource("{ protocol = SSL, tls.ca-file = " + q(leaf.keyPem()) + " }", "security.tls", "cannot be used");
        refusedSource("{ protocol = SSL, identity = mapped }", "identity is mapped", "reached over SSL", "use identity = service");
        refusedSource("{ protocol = SSL, tls.cafile = \"x\" }", "unknown config key cutover-proxy.clusters.source.security.tls.cafile");
        refusedSource("{ protocol = SSL, tls.truststore { file = " + q(pki.trustStore()) + ", type = PEM } }", "use PKCS12 or JKS");
    }

    @Test
    void listenerTlsLoadsPemOrKeyStoreAndRefusesHalfConfigurations() throws Exception {
        ProxyConfig pem = parse("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], listener.tls { enabled = true, "
            + "certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem()) + " } }", Map.of());
        assertNotNull(pem.listener().tls());
        assertEquals(ListenerTlsConfig.ClientAuth.NONE, pem.listener().tls().config().clientAuth());

        ProxyConfig store = parse("cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], listener.tls { enabled = true, "
            + "keystore { file = " + q(leaf.keyStore()) + ", password-env = STORE_PW }, client-auth = required, ca-file = " + q(pki.caPem())
            + ", protocols = [TLSv1.3] } }", Map.of("STORE_PW", TestCertificates.PASSWORD));
        assertEquals(ListenerTlsConfig.ClientAuth.REQUIRED, store.listener().tls().config().clientAuth());

        String base = "cutover-proxy { clusters.source.bootstrap-servers = [\"a:1\"], listener.tls { ";
        assertRefused(base + "enabled = true } }", "listener.tls", "certificate-file and key-file");
        assertRefused(base + "certificate-file = " + q(leaf.certificatePem()) + " } }", "listener.tls.enabled", "false");
        assertRefused(base + "enabled = true, certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem())
            + ", client-auth = required } }", "client-auth", "ca-file or truststore.file");
        assertRefused(base + "enabled = true, certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem())
            + ", ca-file = " + q(pki.caPem()) + " } }", "client-auth is none");
        assertRefused(base + "enabled = true, certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem())
            + ", protocols = [TLSv1.1] } }", "listener.tls.protocols");
        assertRefused(base + "enabled = true, certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem())
            + ", client-auth = maybe } }", "none, requested or required");
        assertRefused(base + "enabled = true, keystore { file = " + q(leaf.keyStore()) + ", password-env = STORE_PW } } }",
            "environment variable STORE_PW");
    }

    private static void assertRefused(String hocon, String... fragments) {
        ConfigError e = assertThrows(ConfigError.class, () -> parse(hocon, Map.of()));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' says " + f);
        }
    }

    @Test
    void oauthbearerNeedsItsKeysIssuerAndAudienceButNoUsersFile() throws Exception {
        String base = "cutover-proxy.listener.sasl { enabled = true, mechanisms = [OAUTHBEARER], ";
        ConfigError unset = assertThrows(ConfigError.class, () -> parse(base + "oauthbearer.issuer = \"https://idp\" }", Map.of()));
        assertTrue(unset.getMessage().contains("OAUTHBEARER needs jwks-file or jwks-url (one of them), issuer and audience"),
            unset.getMessage());
        ConfigError both = assertThrows(ConfigError.class, () -> parse(base + "oauthbearer { jwks-file = /x, jwks-url = "
            + "\"http://127.0.0.1:1/jwks\", issuer = \"https://idp\", audience = kafka } }", Map.of()));
        assertTrue(both.getMessage().contains("one of them"), both.getMessage());
        ConfigError scheme = assertThrows(ConfigError.class, () -> parse(base + "oauthbearer { jwks-url = \"ftp://idp/jwks\", "
            + "issuer = \"https://idp\", audience = kafka } }", Map.of()));
        assertTrue(scheme.getMessage().contains("an http or https URL"), scheme.getMessage());
        ConfigError down = assertThrows(ConfigError.class, () -> parse(base + "oauthbearer { jwks-url = \"http://127.0.0.1:1/jwks\", "
            + "issuer = \"https://idp\", audience = kafka } }", Map.of()));
        assertTrue(down.getMessage().contains("jwks-url: cannot read the JWKS"), down.getMessage());

        Path notJwks = tmp.resolve("keys.json");
        Files.writeString(notJwks, "{\"hello\": 1}");
        ConfigError bad = assertThrows(ConfigError.class, () -> parse(base + "oauthbearer { jwks-file = " + q(notJwks)
            + ", issuer = \"https://idp\", audience = kafka } }", Map.of()));
        assertTrue(bad.getMessage().contains("jwks-file") && bad.getMessage().contains("keys.json"), bad.getMessage());

        Path jwks = tmp.resolve("jwks.json");
        Files.writeString(jwks, new org.jose4j.jwk.JsonWebKeySet(org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048)).toJson());
        ProxyConfig ok = parse(base + "oauthbearer { jwks-file = " + q(jwks) + ", issuer = \"https://idp\", audience = kafka } }",
            Map.of());
        assertNotNull(ok);
    }
}
