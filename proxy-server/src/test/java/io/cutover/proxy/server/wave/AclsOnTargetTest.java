package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cutover.proxy.core.wave.PrincipalNeeds;
import io.cutover.proxy.core.wave.TargetAcls;
import io.cutover.proxy.server.config.ClusterSecurityConfig;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.SaslCredentials;
import io.cutover.proxy.server.config.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

/**
 * acls-on-target judges each client principal as the user the target sees for it under the
 * target's identity mode, without a broker: alice logged in to the proxy, produced to {@code orders}
 * and read it in group {@code billing}.
 */
class AclsOnTargetTest {
    private static final String HOST = "10.0.0.7";
    private static final TargetPrincipal MAPPED = new TargetPrincipal(IdentityMode.MAPPED, Map.of("alice", "orders-app"), "cutover-proxy");
    private static final TargetPrincipal PASSTHROUGH = new TargetPrincipal(IdentityMode.PASSTHROUGH, Map.of(), "cutover-proxy");
    private static final TargetPrincipal SERVICE = new TargetPrincipal(IdentityMode.SERVICE, Map.of(), "cutover-proxy");

    private final ArrayNode rows = new ObjectMapper().createArrayNode();
    private final List<String> problems = new ArrayList<>();

    private static List<PrincipalNeeds.Need> alicesNeeds() {
        return PrincipalNeeds.of(Set.of("orders"), Set.of("orders"), Set.of("billing"), Set.of(), Set.of("orders"), Set.of("billing"),
            id -> false);
    }

    private void judge(TargetPrincipal seen, String principal, AclBinding... acls) {
        AclsOnTarget.judge(new TargetAcls(List.of(acls), Set.of(), false), seen, Map.of(principal, alicesNeeds()),
            Map.of(principal, Set.of(HOST)), rows, problems);
    }

    /** Everything alice does, for {@code user}. */
    private static AclBinding[] allOf(String user) {
        return new AclBinding[] {
            allow(ResourceType.TOPIC, "orders", user, AclOperation.WRITE),
            allow(ResourceType.TOPIC, "orders", user, AclOperation.READ),
            allow(ResourceType.GROUP, "billing", user, AclOperation.READ)};
    }

    private static AclBinding allow(ResourceType type, String name, String user, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
            new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }

    @Test
    void whatTheSourceRefusedTooIsAWarningNotSomethingTheSwitchTakesAway() {
        // On the source, alice's user there may read but never write; the target grants orders-app reading only.
        TargetPrincipal onSource = new TargetPrincipal(IdentityMode.MAPPED, Map.of("alice", "orders-src"), "cutover-proxy");
        TargetAcls source = new TargetAcls(List.of(allow(ResourceType.TOPIC, "orders", "orders-src", AclOperation.READ),
            allow(ResourceType.GROUP, "billing", "orders-src", AclOperation.READ)), Set.of(), false);
        List<String> warnings = new ArrayList<>();
        AclsOnTarget.judge(new TargetAcls(List.of(allow(ResourceType.TOPIC, "orders", "orders-app", AclOperation.READ),
            allow(ResourceType.GROUP, "billing", "orders-app", AclOperation.READ)), Set.of(), false), MAPPED,
            new AclsOnTarget.SourceAcls(source, onSource), Map.of("alice", alicesNeeds()), Map.of("alice", Set.of(HOST)), rows, problems,
            warnings);
        assertEquals(List.of(), problems, "alice never could write: the switch takes nothing from her");
        assertTrue(warnings.stream().anyMatch(w -> w.contains("is refused WRITE on TOPIC orders on the source too")),
            warnings.toString());
        assertTrue(rows.toString().contains("\"allowedOnSource\":false"), rows.toString());

        // Had the source let her write, the same target would fail the gate.
        problems.clear();
        TargetAcls sourceAllowing = new TargetAcls(List.of(allow(ResourceType.TOPIC, "orders", "orders-src", AclOperation.WRITE),
            allow(ResourceType.TOPIC, "orders", "orders-src", AclOperation.READ)), Set.of(), false);
        AclsOnTarget.judge(new TargetAcls(List.of(allow(ResourceType.TOPIC, "orders", "orders-app", AclOperation.READ),
            allow(ResourceType.GROUP, "billing", "orders-app", AclOperation.READ)), Set.of(), false), MAPPED,
            new AclsOnTarget.SourceAcls(sourceAllowing, onSource), Map.of("alice", alicesNeeds()), Map.of("alice", Set.of(HOST)), rows,
            problems, new ArrayList<>());
        assertTrue(problems.stream().anyMatch(p -> p.contains("would lose WRITE on TOPIC orders")), problems.toString());
    }

    @Test
    void mappedJudgesThePrincipalsMappedUserNotItsLoginName() {
        // The target grants everything to orders-app, alice's user there, and nothing to alice:
        judge(MAPPED, "alice", allOf("orders-app"));

        assertEquals(List.of(), problems, "orders-app holds the ACLs; alice's own name is not what the target sees");
        assertEquals("User:orders-app", rows.get(0).get("targetPrincipal").asText());
        assertEquals("alice", rows.get(0).get("principal").asText());
        assertTrue(rows.get(0).get("operations").toString().contains("allowed by ALLOW WRITE for User:orders-app"), rows.toString());
    }

    @Test
    void mappedFailsWhenOnlyTheLoginNameHoldsTheAclsNamingBothUsers() {
        judge(MAPPED, "alice", allOf("alice"));

        assertTrue(problems.contains("principal alice (as orders-app on the target, identity mapped) would lose WRITE on TOPIC orders "
            + "(it produced to it on the source, from " + HOST + "): no ACL allows it on the target"), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("would lose READ on GROUP billing")), problems.toString());
    }

    @Test
    void mappedFailsForAPrincipalWithoutAUserOnTheTarget() {
        judge(MAPPED, "bob", allOf("bob"));

        assertEquals(List.of("principal bob has no user on the target in identity.mapping-file (identity mapped): its logins on the "
            + "target's ports would be refused once the wave switches"), problems);
        assertFalse(rows.get(0).has("targetPrincipal"), rows.toString());
    }

    @Test
    void passthroughJudgesTheClientsOwnLogin() {
        judge(PASSTHROUGH, "alice", allOf("alice"));
        assertEquals(List.of(), problems);
        assertEquals("User:alice", rows.get(0).get("targetPrincipal").asText());

        rows.removeAll();
        judge(PASSTHROUGH, "alice", allOf("orders-app"));
        assertTrue(problems.contains("principal alice would lose WRITE on TOPIC orders (it produced to it on the source, from " + HOST
            + "): no ACL allows it on the target"), problems.toString());
    }

    @Test
    void serviceRequiresNothingOfTheClientPrincipalsThemselves() {
        // alice has no ACL at all on the target: under service it never reaches the target as alice.
        judge(SERVICE, "alice");

        assertEquals(List.of(), problems);
        assertEquals("User:cutover-proxy", rows.get(0).get("targetPrincipal").asText());
        assertEquals(0, rows.get(0).get("operations").size(), "its topics and groups are the proxy's user's (ProxyUserOnTarget): " + rows);
    }

    @Test
    void serviceJudgesTheProxysOwnUserForTheTransactionalIdsTheClientsUse() {
        List<PrincipalNeeds.Need> transactional = PrincipalNeeds.of(Set.of(), Set.of(), Set.of(), Set.of("tx-orders"), Set.of(),
            Set.of(), id -> true);
        AclBinding toAlice = allow(ResourceType.TRANSACTIONAL_ID, "tx-orders", "alice", AclOperation.WRITE);
        AclsOnTarget.judge(new TargetAcls(List.of(toAlice), Set.of(), false), SERVICE, Map.of("alice", transactional),
            Map.of("alice", Set.of(HOST)), rows, problems);
        assertTrue(problems.contains("principal alice (as cutover-proxy on the target, identity service) would lose WRITE on "
            + "TRANSACTIONAL_ID tx-orders (it initialised transactions with it on the source, from (unknown address)): no ACL allows it "
            + "on the target"), problems.toString());

        problems.clear();
        AclBinding toProxy = allow(ResourceType.TRANSACTIONAL_ID, "tx-orders", "cutover-proxy", AclOperation.WRITE);
        AclsOnTarget.judge(new TargetAcls(List.of(toProxy), Set.of(), false), SERVICE, Map.of("alice", transactional),
            Map.of("alice", Set.of(HOST)), rows, problems);
        assertEquals(List.of(), problems);
    }

    @Test
    void theProxysOwnUserNeedsWhatTheClientsDoUnderServiceAndOnlyDescribeOtherwise() {
        List<PrincipalNeeds.Need> clients = alicesNeeds();

        assertEquals(clients, ProxyUserOnTarget.needs(true, clients), "service: it carries the clients' requests");
        for (TargetPrincipal own : List.of(MAPPED, PASSTHROUGH)) {
            List<PrincipalNeeds.Need> needs = ProxyUserOnTarget.needs(own.shared(), clients);
            assertTrue(needs.stream().allMatch(n -> n.operation() == AclOperation.DESCRIBE), own.mode() + ": " + needs);
            assertEquals(Set.of("TOPIC orders", "GROUP billing"), Set.copyOf(needs.stream().map(PrincipalNeeds.Need::resource).toList()));
        }
        assertTrue(SERVICE.shared());
    }

    @Test
    void theUserTheTargetSeesUnderEachMode() {
        assertEquals("orders-app", MAPPED.userFor("alice").orElseThrow());
        assertTrue(MAPPED.userFor("bob").isEmpty());
        assertEquals("alice", PASSTHROUGH.userFor("alice").orElseThrow());
        assertEquals("cutover-proxy", SERVICE.userFor("alice").orElseThrow());
        assertEquals("alice (as orders-app on the target, identity mapped)", MAPPED.describe("alice"));
        assertEquals("alice", PASSTHROUGH.describe("alice"));
        assertEquals("alice (as cutover-proxy on the target, identity service)", SERVICE.describe("alice"));
        assertTrue(new TargetPrincipal(IdentityMode.SERVICE, Map.of(), null).userFor("alice").isEmpty());
    }

    @Test
    void fromTheTargetsSecurityConfig() {
        SaslCredentials service = new SaslCredentials("SCRAM-SHA-512", "cutover-proxy", Secret.fromClient("x", "test"));
        SaslCredentials ordersApp = new SaslCredentials("SCRAM-SHA-512", "orders-app", Secret.fromClient("y", "test"));
        TargetPrincipal mapped = TargetPrincipal.of(new ClusterSecurityConfig(SecurityProtocol.SASL_SSL, null, null, true, service,
            IdentityMode.MAPPED, Map.of("alice", ordersApp)));
        assertEquals(MAPPED, mapped);
        assertEquals("ANONYMOUS", TargetPrincipal.of(ClusterSecurityConfig.PLAINTEXT).userFor("alice").orElseThrow(),
            "no authentication: Kafka's ANONYMOUS");
    }
}
