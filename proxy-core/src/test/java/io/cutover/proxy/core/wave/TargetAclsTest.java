package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** Kafka's authorizer rules over a target's ACL bindings, without a broker. */
class TargetAclsTest {
    private static final String ALICE = "User:alice";
    private static final String HOST = "10.0.0.7";

    private static AclBinding acl(ResourceType type, String name, PatternType pattern, String principal, String host, AclOperation op,
                                  AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, pattern), new AccessControlEntry(principal, host, op, permission));
    }

    private static AclBinding allowTopic(String name, PatternType pattern, String principal, AclOperation op) {
        return acl(ResourceType.TOPIC, name, pattern, principal, "*", op, AclPermissionType.ALLOW);
    }

    private static boolean allowed(List<AclBinding> acls, AclOperation op) {
        return new TargetAcls(acls, Set.of(), false).authorize(ALICE, HOST, ResourceType.TOPIC, "orders", op).allowed();
    }

    @Test
    void withNoAclNothingIsAllowedUnlessTheBrokerAllowsEveryoneWhereNoAclIsFound() {
        assertFalse(allowed(List.of(), AclOperation.WRITE));
        assertTrue(new TargetAcls(List.of(), Set.of(), true).authorize(ALICE, HOST, ResourceType.TOPIC, "orders", AclOperation.WRITE)
            .allowed());
        // An ACL on the resource for someone else turns allow.everyone.if.no.acl.found off for it.
        assertFalse(new TargetAcls(List.of(allowTopic("orders", PatternType.LITERAL, "User:bob", AclOperation.WRITE)), Set.of(), true)
            .authorize(ALICE, HOST, ResourceType.TOPIC, "orders", AclOperation.WRITE).allowed());
    }

    @Test
    void aLiteralAllowForTheOperationAllowsItAndNoOther() {
        List<AclBinding> acls = List.of(allowTopic("orders", PatternType.LITERAL, ALICE, AclOperation.WRITE));
        assertTrue(allowed(acls, AclOperation.WRITE));
        assertFalse(allowed(acls, AclOperation.READ));
        assertFalse(new TargetAcls(acls, Set.of(), false).authorize(ALICE, HOST, ResourceType.TOPIC, "orders-eu", AclOperation.WRITE)
            .allowed(), "a literal name covers that name only");
        assertFalse(new TargetAcls(acls, Set.of(), false).authorize(ALICE, HOST, ResourceType.GROUP, "orders", AclOperation.WRITE)
            .allowed(), "nor another resource type of that name");
        assertFalse(new TargetAcls(acls, Set.of(), false).authorize("User:bob", HOST, ResourceType.TOPIC, "orders", AclOperation.WRITE)
            .allowed(), "nor another principal");
    }

    @Test
    void readWriteDeleteAndAlterImplyDescribeAndAllImpliesEverything() {
        for (AclOperation implying : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE, AclOperation.ALTER)) {
            assertTrue(allowed(List.of(allowTopic("orders", PatternType.LITERAL, ALICE, implying)), AclOperation.DESCRIBE), implying.name());
        }
        assertFalse(allowed(List.of(allowTopic("orders", PatternType.LITERAL, ALICE, AclOperation.CREATE)), AclOperation.DESCRIBE));
        assertFalse(allowed(List.of(allowTopic("orders", PatternType.LITERAL, ALICE, AclOperation.DESCRIBE)), AclOperation.READ),
            "DESCRIBE implies nothing");
        List<AclBinding> all = List.of(allowTopic("orders", PatternType.LITERAL, ALICE, AclOperation.ALL));
        for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.DESCRIBE, AclOperation.DELETE)) {
            assertTrue(allowed(all, op), op.name());
        }
    }

    @Test
    void wildcardNamesWildcardPrincipalsAndPrefixesMatch() {
        assertTrue(allowed(List.of(allowTopic("*", PatternType.LITERAL, ALICE, AclOperation.WRITE)), AclOperation.WRITE));
        assertTrue(allowed(List.of(allowTopic("orders", PatternType.LITERAL, "User:*", AclOperation.WRITE)), AclOperation.WRITE));
        assertTrue(allowed(List.of(allowTopic("ord", PatternType.PREFIXED, ALICE, AclOperation.WRITE)), AclOperation.WRITE));
        assertFalse(allowed(List.of(allowTopic("orders-", PatternType.PREFIXED, ALICE, AclOperation.WRITE)), AclOperation.WRITE),
            "a prefix longer than the name does not cover it");
        assertFalse(allowed(List.of(allowTopic("*", PatternType.PREFIXED, ALICE, AclOperation.WRITE)), AclOperation.WRITE),
            "a prefixed * is the prefix \"*\", not a wildcard");
    }

    @Test
    void aDenyWinsOverAnyAllowAndDenyAllDeniesEveryOperation() {
        AclBinding allowAll = allowTopic("*", PatternType.LITERAL, "User:*", AclOperation.ALL);
        AclBinding denyWrite = acl(ResourceType.TOPIC, "ord", PatternType.PREFIXED, ALICE, "*", AclOperation.WRITE, AclPermissionType.DENY);
        TargetAcls.Verdict v = new TargetAcls(List.of(allowAll, denyWrite), Set.of(), false)
            .authorize(ALICE, HOST, ResourceType.TOPIC, "orders", AclOperation.WRITE);
        assertFalse(v.allowed());
        assertTrue(v.reason().contains("DENY WRITE") && v.reason().contains("ord* (prefixed)"), v.reason());
        assertTrue(allowed(List.of(allowAll, denyWrite), AclOperation.DESCRIBE), "a DENY of WRITE leaves DESCRIBE alone");
        AclBinding denyAll = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, "User:*", "*", AclOperation.ALL, AclPermissionType.DENY);
        assertFalse(allowed(List.of(allowAll, denyAll), AclOperation.DESCRIBE));
    }

    @Test
    void hostsMatchExactlyOrByWildcard() {
        AclBinding fromElsewhere = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, ALICE, "10.0.0.8", AclOperation.WRITE,
            AclPermissionType.ALLOW);
        assertFalse(allowed(List.of(fromElsewhere), AclOperation.WRITE));
        AclBinding fromHere = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, ALICE, HOST, AclOperation.WRITE, AclPermissionType.ALLOW);
        assertTrue(allowed(List.of(fromHere), AclOperation.WRITE));
        AclBinding denyHere = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, ALICE, HOST, AclOperation.WRITE, AclPermissionType.DENY);
        assertFalse(allowed(List.of(allowTopic("orders", PatternType.LITERAL, ALICE, AclOperation.WRITE), denyHere), AclOperation.WRITE));
    }

    @Test
    void superUsersMayDoAnythingWhateverTheAcls() {
        AclBinding denyAll = acl(ResourceType.TOPIC, "orders", PatternType.LITERAL, ALICE, "*", AclOperation.ALL, AclPermissionType.DENY);
        assertTrue(new TargetAcls(List.of(denyAll), Set.of(ALICE), false).authorize(ALICE, HOST, ResourceType.TOPIC, "orders",
            AclOperation.WRITE).allowed());
    }

    @Test
    void groupsAndTransactionalIdsAreJudgedTheSameWay() {
        List<AclBinding> acls = List.of(
            acl(ResourceType.GROUP, "orders-", PatternType.PREFIXED, ALICE, "*", AclOperation.READ, AclPermissionType.ALLOW),
            acl(ResourceType.TRANSACTIONAL_ID, "orders-tx", PatternType.LITERAL, ALICE, "*", AclOperation.WRITE, AclPermissionType.ALLOW));
        TargetAcls target = new TargetAcls(acls, Set.of(), false);
        assertTrue(target.authorize(ALICE, HOST, ResourceType.GROUP, "orders-app", AclOperation.READ).allowed());
        assertTrue(target.authorize(ALICE, HOST, ResourceType.GROUP, "orders-app", AclOperation.DESCRIBE).allowed());
        assertTrue(target.authorize(ALICE, HOST, ResourceType.TRANSACTIONAL_ID, "orders-tx", AclOperation.DESCRIBE).allowed());
        assertFalse(target.authorize(ALICE, HOST, ResourceType.TRANSACTIONAL_ID, "orders-tx-2", AclOperation.WRITE).allowed());
    }
}
