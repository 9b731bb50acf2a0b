package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.config.Secret;
import io.cutover.proxy.server.config.TlsEngineChoice;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.security.sasl.SaslException;
import javax.security.sasl.SaslServer;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which credentials a client's connection to a cluster presents, settled at its login, per identity mode. */
class UpstreamIdentityChoiceTest {
    private static final SaslCredentials SERVICE = new SaslCredentials("SCRAM-SHA-512", "cutover-proxy", Secret.fromClient("svc", "test"));
    private static final SaslCredentials ORDERS_APP = new SaslCredentials("SCRAM-SHA-512", "orders-app", Secret.fromClient("oa", "test"));

    @TempDir
    Path dir;

    private static ClusterSecurity cluster(SecurityProtocol protocol, IdentityMode mode, Map<String, SaslCredentials> mapped) throws Exception {
        return ClusterSecurity.create("source", new ClusterSecurityConfig(protocol, null, null, true,
            protocol == SecurityProtocol.PLAINTEXT ? null : SERVICE, mode, mapped), Duration.ofSeconds(5),
            TlsEngine.resolve(TlsEngineChoice.JDK, TlsEngine.NATIVE));
    }

    private ListenerSasl listener() throws Exception {
        Path users = dir.resolve("users.json");
        SaslUsers.add(users, "alice", "alice-pw", List.of(ScramMechanism.SCRAM_SHA_512), 4096);
        return new ListenerSasl(List.of("PLAIN"), SaslUsers.read(users), Duration.ZERO, true);
    }

    private static SaslServer plainLogin(ListenerSasl sasl, boolean passthrough, String user, String password) throws Exception {
        SaslServer server = sasl.newServer("PLAIN", passthrough);
        server.evaluateResponse(("\u0000" + user + "\u0000" + password).getBytes(StandardCharsets.UTF_8));
        assertTrue(server.isComplete());
        return server;
    }

    @Test
    void serviceAndClustersWithoutSaslUseTheServiceCredential() throws Exception {
        SaslServer alice = plainLogin(listener(), false, "alice", "alice-pw");
        assertInstanceOf(UpstreamIdentity.Service.class, UpstreamIdentity.of(cluster(SecurityProtocol.SASL_SSL, IdentityMode.SERVICE,
            Map.of()), "alice", alice));
        assertInstanceOf(UpstreamIdentity.Service.class, UpstreamIdentity.of(cluster(SecurityProtocol.PLAINTEXT, IdentityMode.SERVICE,
            Map.of()), "alice", alice));
    }

    @Test
    void mappedTakesThePrincipalsOwnUserAndRefusesAPrincipalWithoutOne() throws Exception {
        ClusterSecurity mapped = cluster(SecurityProtocol.SASL_SSL, IdentityMode.MAPPED, Map.of("alice", ORDERS_APP));
        SaslServer alice = plainLogin(listener(), false, "alice", "alice-pw");
        UpstreamIdentity.As as = assertInstanceOf(UpstreamIdentity.As.class, UpstreamIdentity.of(mapped, "alice", alice));
        assertEquals(ORDERS_APP, as.credentials());
        assertEquals(IdentityMode.MAPPED, as.mode());
        UpstreamIdentity.Refused bob = assertInstanceOf(UpstreamIdentity.Refused.class, UpstreamIdentity.of(mapped, "bob", alice));
        assertTrue(bob.reason().contains("principal bob has no user on cluster source"), bob.reason());
    }

    @Test
    void passthroughKeepsThePlainPasswordUncheckedForTheClusterToJudge() throws Exception {
        ClusterSecurity passthrough = cluster(SecurityProtocol.SASL_SSL, IdentityMode.PASSTHROUGH, Map.of());
        // carol is in no users file: the proxy does not check her password, the cluster will.
        SaslServer carol = plainLogin(listener(), true, "carol", "carol-pw");
        UpstreamIdentity.As as = assertInstanceOf(UpstreamIdentity.As.class, UpstreamIdentity.of(passthrough, "carol", carol));
        assertEquals("PLAIN", as.credentials().mechanism());
        assertEquals("carol", as.credentials().username());
        assertEquals("carol-pw", as.credentials().password().value());
        assertFalse(as.credentials().toString().contains("carol-pw"), "printed as where it came from, never what it is");
        assertEquals(IdentityMode.PASSTHROUGH, as.mode());

        // A KIP-368 re-login must carry the password the cluster accepted.
        assertTrue(UpstreamIdentity.sameSecretAgain(as.credentials(), plainLogin(listener(), true, "carol", "carol-pw")));
        assertFalse(UpstreamIdentity.sameSecretAgain(as.credentials(), plainLogin(listener(), true, "carol", "guessed")));
    }

    @Test
    void withoutUsersAPlainLoginIsNeverTakenUncheckedOutsidePassthrough() {
        ListenerSasl noUsers = new ListenerSasl(List.of("PLAIN"), null, Duration.ZERO, true);
        SaslException e = assertThrows(SaslException.class, () -> noUsers.newServer("PLAIN", false));
        assertTrue(e.getMessage().contains("users-file"), e.getMessage());
    }
}
