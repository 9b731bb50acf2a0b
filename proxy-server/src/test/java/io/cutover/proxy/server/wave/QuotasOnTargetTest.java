package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.cutover.proxy.core.inventory.PrincipalRecord;
import io.cutover.proxy.core.wave.TargetQuotas;
import io.cutover.proxy.server.config.IdentityMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

/**
 * quotas-on-target resolves the quota of the user the target sees under its identity mode, and adds
 * up the rates of every principal it sees as that user, without a broker.
 */
class QuotasOnTargetTest {
    private final Map<ClientQuotaEntity, Map<String, Double>> quotas = new HashMap<>();
    private final ArrayNode rows = new ObjectMapper().createArrayNode();
    private final List<String> warnings = new ArrayList<>();

    private void userQuota(String user, double producerByteRate) {
        quotas.put(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, user)), Map.of(TargetQuotas.PRODUCE, producerByteRate));
    }

    private static PrincipalRecord.Snapshot producing(String principal, String clientId, long bytesPerSecond) {
        return new PrincipalRecord.Snapshot(principal, Set.of("orders"), Set.of(), Set.of(), Set.of(), Set.of("10.0.0.7"),
            Map.of(clientId, new PrincipalRecord.Rates(bytesPerSecond, 0)));
    }

    private void compare(TargetPrincipal seen, PrincipalRecord.Snapshot... using) {
        QuotasOnTarget.compare(List.of(using), seen, new TargetQuotas(quotas), rows, warnings);
    }

    @Test
    void mappedAppliesTheMappedUsersQuotaNotTheLoginNames() {
        userQuota("alice", 100);        // alice's own name: the target never applies it
        userQuota("orders-app", 1024);
        compare(new TargetPrincipal(IdentityMode.MAPPED, Map.of("alice", "orders-app"), "cutover-proxy"),
            producing("alice", "producer-1", 5000));

        assertEquals(List.of("principal alice (as orders-app on the target, identity mapped) produces up to 5000 B/s through the proxy "
            + "(client ids producer-1), above the producer_byte_rate quota of 1024 B/s on the target (user=orders-app): it would be "
            + "throttled there"), warnings);
        assertEquals("orders-app", rows.get(0).get("user").asText());
        assertEquals("alice", rows.get(0).get("principals").get(0).asText());
    }

    @Test
    void mappedPrincipalsSharingOneUserShareItsQuota() {
        userQuota("orders-app", 1024);
        compare(new TargetPrincipal(IdentityMode.MAPPED, Map.of("alice", "orders-app", "bob", "orders-app"), "cutover-proxy"),
            producing("alice", "producer-1", 600), producing("bob", "producer-2", 600), producing("carol", "producer-3", 9000));

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("principals alice, bob (as orders-app on the target, identity mapped) produce together up "
            + "to 1200 B/s"), warnings.toString());
        assertEquals(1, rows.size(), "carol has no user on the target (acls-on-target fails on her): " + rows);
    }

    @Test
    void passthroughAppliesTheClientsOwnUsersQuota() {
        userQuota("alice", 1024);
        compare(new TargetPrincipal(IdentityMode.PASSTHROUGH, Map.of(), "cutover-proxy"), producing("alice", "producer-1", 5000));

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("principal alice produces up to 5000 B/s"), warnings.toString());
        assertTrue(warnings.get(0).contains("(user=alice)"), warnings.toString());
    }

    @Test
    void serviceAppliesTheProxysOwnUsersQuotaToEveryClientTogether() {
        userQuota("alice", 100);        // never applied: the target sees only the proxy's user
        userQuota("cutover-proxy", 1024);
        compare(new TargetPrincipal(IdentityMode.SERVICE, Map.of(), "cutover-proxy"), producing("alice", "producer-1", 600),
            producing("bob", "producer-2", 600));

        assertEquals(List.of("principals alice, bob (as cutover-proxy on the target, identity service) produce together up to 1200 B/s "
            + "through the proxy (client ids producer-1, producer-2), above the producer_byte_rate quota of 1024 B/s on the target "
            + "(user=cutover-proxy): it would be throttled there"), warnings);
        assertEquals("cutover-proxy", rows.get(0).get("user").asText());
    }

    @Test
    void serviceWithAnUnnamedProxyUserSaysItDidNotCompare() {
        userQuota("alice", 100);
        compare(new TargetPrincipal(IdentityMode.SERVICE, Map.of(), null), producing("alice", "producer-1", 5000));

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("has no name the proxy knows"), warnings.toString());
        assertEquals(0, rows.size());
    }
}
