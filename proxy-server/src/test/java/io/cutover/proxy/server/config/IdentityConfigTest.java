package io.cutover.proxy.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.cutover.proxy.server.security.SaslUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * clusters.*.security.identity and identity.mapping-file: which mode a cluster gets, what each mode
 * needs, and that the mapping file's passwords are read from where it names and never shown.
 */
class IdentityConfigTest {
    private static final String SECRET = "orders-app-source-pw";

    @TempDir
    Path tmp;
    private Path users;

    @BeforeEach
    void usersFile() throws Exception {
        users = tmp.resolve("users.json");
        SaslUsers.add(users, "alice", "alice-pw", List.of(ScramMechanism.SCRAM_SHA_512), 4096);
    }

    private String q(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }

    private ProxyConfig parse(String extra, String sourceSecurity) {
        return ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString("cutover-proxy { " + extra + "\n clusters.source { "
            + "bootstrap-servers = [\"localhost:9093\"], security " + sourceSecurity + " } }"),
            Map.of("PROXY_PW", "proxy-pw", "ORDERS_APP_PW", SECRET)::get);
    }

    private String login() {
        return "listener.sasl { enabled = true, users-file = " + q(users) + " }";
    }

    private static final String SASL = "protocol = SASL_PLAINTEXT, sasl { mechanism = SCRAM-SHA-512, username = proxy, password-env = PROXY_PW }";

    private Path mapping(String hocon) throws Exception {
        return Files.writeString(tmp.resolve("identities.conf"), hocon);
    }

    private ConfigError refused(String extra, String security, String... fragments) {
        ConfigError e = assertThrows(ConfigError.class, () -> parse(extra, security));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' says " + f);
        }
        assertFalse(e.getMessage().contains(SECRET), "the error shows no secret");
        return e;
    }

    @Test
    void withoutClientLoginsASaslClusterIsReachedAsTheServiceUser() {
        var s = parse("", "{ " + SASL + " }").source().security();
        assertEquals(IdentityMode.SERVICE, s.identity());
        assertEquals("proxy", s.config().sasl().username());
    }

    @Test
    void onceClientsLogInMappedIsTheDefaultAndNeedsTheMappingFile() {
        refused(login(), "{ " + SASL + " }", "identity is mapped (the default once listener.sasl is on)", "identity.mapping-file is not set",
            "identity = service");
        // service stays available, as an explicit choice
        assertEquals(IdentityMode.SERVICE, parse(login(), "{ " + SASL + ", identity = service }").source().security().identity());
        // a cluster without SASL has no user to present: service, whatever the listener does
        assertEquals(IdentityMode.SERVICE, parse(login(), "{ protocol = PLAINTEXT }").source().security().identity());
    }

    @Test
    void theMappingFileGivesEachPrincipalItsOwnUserPerClusterWithThePasswordFromWhereItSays() throws Exception {
        Path pw = Files.writeString(tmp.resolve("billing.pw"), "billing-pw\n");
        Path file = mapping("alice { source { mechanism = scram-sha-512, username = \"orders-app\", password-env = ORDERS_APP_PW } }\n"
            + "\"CN=billing,O=Example\" { source { mechanism = PLAIN, username = billing, password-file = " + q(pw) + " } }\n");
        var s = parse(login() + "\n identity.mapping-file = " + q(file), "{ " + SASL + ", identity = mapped }").source().security();
        assertEquals(IdentityMode.MAPPED, s.identity());
        assertEquals("orders-app", s.mappedCredentials("alice").username());
        assertEquals("SCRAM-SHA-512", s.mappedCredentials("alice").mechanism());
        assertEquals(SECRET, s.mappedCredentials("alice").password().value());
        assertEquals("billing-pw", s.mappedCredentials("CN=billing,O=Example").password().value(), "a principal with dots and commas");
        assertNull(s.mappedCredentials("bob"), "an unmapped principal has no user");
        assertFalse(s.mappedCredentials("alice").toString().contains(SECRET), "the credentials print where the secret is, not what");
        // The proxy's own links keep the service user.
        assertTrue(String.valueOf(s.clientProperties().get("sasl.jaas.config")).contains("username=\"proxy\""));
    }

    @Test
    void anOAuthbearerEntryIsAnOAuthClientWithTheClustersTokenEndpointUnlessItNamesItsOwn() throws Exception {
        String bearer = "protocol = SASL_SSL, sasl { mechanism = OAUTHBEARER, token-endpoint-url = \"https://idp.example/token\", "
            + "client-id = proxy, client-secret-env = PROXY_PW }, identity = mapped";
        Path file = mapping("alice { source { mechanism = OAUTHBEARER, client-id = orders-app, client-secret-env = ORDERS_APP_PW } }\n"
            + "bob { source { mechanism = oauthbearer, client-id = billing, client-secret-env = ORDERS_APP_PW, "
            + "token-endpoint-url = \"https://other-idp.example/token\", scope = \"kafka.write\" } }\n");
        var s = parse(login() + "\n identity.mapping-file = " + q(file), "{ " + bearer + " }").source().security();
        try {
            SaslCredentials alice = s.mappedCredentials("alice");
            assertEquals("OAUTHBEARER", alice.mechanism());
            assertEquals("orders-app", alice.grant().clientId());
            assertEquals("https://idp.example/token", alice.grant().tokenEndpoint().toString(), "the cluster's endpoint");
            assertEquals(SECRET, alice.grant().clientSecret().value());
            assertEquals("https://other-idp.example/token", s.mappedCredentials("bob").grant().tokenEndpoint().toString());
            assertEquals("kafka.write", s.mappedCredentials("bob").grant().scope());
            assertFalse(alice.toString().contains(SECRET), alice.toString());
        } finally {
            s.close();
        }
        // A SCRAM cluster has no token endpoint to lend.
        refused(login() + "\n identity.mapping-file = " + q(file), "{ " + SASL + ", identity = mapped }", "principal \"alice\"",
            "names no token-endpoint-url");
        Path extra = mapping("alice { source { mechanism = OAUTHBEARER, client-id = a, client-secret-env = ORDERS_APP_PW, username = u } }");
        refused(login() + "\n identity.mapping-file = " + q(extra), "{ " + bearer + " }", "unknown key username", "client-id");
        Path inline = mapping("alice { source { mechanism = OAUTHBEARER, client-id = a, client-secret = \"" + SECRET + "\" } }");
        refused(login() + "\n identity.mapping-file = " + q(inline), "{ " + bearer + " }", "client-secret-env");
    }

    @Test
    void aBrokenMappingFileStopsTheStartNamingThePrincipalAndCluster() throws Exception {
        String mapped = "{ " + SASL + ", identity = mapped }";
        Path inline = mapping("alice { source { mechanism = PLAIN, username = a, password = \"" + SECRET + "\" } }");
        refused(login() + "\n identity.mapping-file = " + q(inline), mapped, "principal \"alice\"", "cluster source", "password-env");
        Path unset = mapping("alice { source { mechanism = PLAIN, username = a, password-env = NOT_SET } }");
        refused(login() + "\n identity.mapping-file = " + q(unset), mapped, "environment variable NOT_SET");
        Path cluster = mapping("alice { staging { mechanism = PLAIN, username = a, password-env = ORDERS_APP_PW } }");
        refused(login() + "\n identity.mapping-file = " + q(cluster), mapped, "unknown cluster staging");
        Path mechanism = mapping("alice { source { mechanism = GSSAPI, username = a, password-env = ORDERS_APP_PW } }");
        refused(login() + "\n identity.mapping-file = " + q(mechanism), mapped, "GSSAPI", "SCRAM-SHA-512");
        refused(login() + "\n identity.mapping-file = " + q(tmp.resolve("missing.conf")), mapped, "identity.mapping-file", "does not exist");
    }

    @Test
    void mappedAndPassthroughNeedClientLoginsASaslClusterAndForPassthroughNoScram() {
        refused("", "{ " + SASL + ", identity = mapped }", "needs to know each client", "listener.sasl");
        refused(login(), "{ protocol = PLAINTEXT, identity = passthrough }", "reached over PLAINTEXT");
        refused(login(), "{ " + SASL + ", identity = passthrough }", "SCRAM login never shows the proxy the password",
            "PLAIN and/or OAUTHBEARER");
        refused(login(), "{ " + SASL + ", identity = borrowed }", "\"borrowed\"", "mapped", "passthrough", "service");
    }

    @Test
    void requiredClientCertificatesAreEnoughForMappedButNotForPassthrough() throws Exception {
        var pki = io.cutover.proxy.server.testkit.TestCertificates.shared();
        var leaf = pki.leaf("identity-config");
        String tls = "listener.tls { enabled = true, certificate-file = " + q(leaf.certificatePem()) + ", key-file = " + q(leaf.keyPem())
            + ", ca-file = " + q(pki.caPem()) + ", client-auth = ";
        Path file = mapping("app-client { source { mechanism = SCRAM-SHA-512, username = \"orders-app\", password-env = ORDERS_APP_PW } }");
        var s = parse(tls + "required }\n identity.mapping-file = " + q(file), "{ " + SASL + ", identity = mapped }").source().security();
        assertEquals(IdentityMode.MAPPED, s.identity());
        assertEquals("orders-app", s.mappedCredentials("app-client").username());
        refused(tls + "requested }\n identity.mapping-file = " + q(file), "{ " + SASL + ", identity = mapped }", "needs to know each client",
            "listener.tls.client-auth = required");
        refused(tls + "required }", "{ " + SASL + ", identity = passthrough }", "needs to know each client",
            "a login whose secret can be passed on");
    }

    @Test
    void passthroughWithPlainNeedsNoUsersFileWhenEveryClusterChecksTheLogin() {
        ProxyConfig c = parse("listener.sasl { enabled = true, mechanisms = [PLAIN] }", "{ " + SASL + ", identity = passthrough }");
        assertEquals(IdentityMode.PASSTHROUGH, c.source().security().identity());
        assertNull(c.listener().sasl().users(), "the cluster checks PLAIN passwords, the proxy keeps none");
        // A second cluster that does not check logins itself needs the proxy's users again.
        assertThrows(ConfigError.class, () -> parse("listener.sasl { enabled = true, mechanisms = [PLAIN] }\n"
            + "clusters.target { bootstrap-servers = [\"localhost:9094\"] }", "{ " + SASL + ", identity = passthrough }"));
    }
}
