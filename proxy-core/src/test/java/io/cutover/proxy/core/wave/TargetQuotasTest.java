package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

/** A broker's order of precedence among client quota entities, without a broker. */
class TargetQuotasTest {
    private final Map<ClientQuotaEntity, Map<String, Double>> quotas = new LinkedHashMap<>();

    private void set(String user, boolean userPart, String clientId, boolean clientPart, String key, double value) {
        Map<String, String> e = new HashMap<>();
        if (userPart) {
            e.put(ClientQuotaEntity.USER, user);
        }
        if (clientPart) {
            e.put(ClientQuotaEntity.CLIENT_ID, clientId);
        }
        quotas.computeIfAbsent(new ClientQuotaEntity(e), k -> new HashMap<>()).put(key, value);
    }

    private TargetQuotas.Applied resolve(String user, String clientId, String key) {
        return new TargetQuotas(quotas).resolve(user, clientId, key).orElse(null);
    }

    @Test
    void theMostSpecificEntityThatSetsTheQuotaApplies() {
        set(null, false, null, true, TargetQuotas.PRODUCE, 8);                // client-id=<default>
        assertEquals("client-id=<default>", resolve("alice", "app-1", TargetQuotas.PRODUCE).entity());
        set(null, false, "app-1", true, TargetQuotas.PRODUCE, 7);             // client-id=app-1
        assertEquals(7, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set(null, true, null, false, TargetQuotas.PRODUCE, 6);                // user=<default>
        assertEquals(6, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set(null, true, null, true, TargetQuotas.PRODUCE, 5);                 // user=<default>, client-id=<default>
        assertEquals(5, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set(null, true, "app-1", true, TargetQuotas.PRODUCE, 4);              // user=<default>, client-id=app-1
        assertEquals(4, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set("alice", true, null, false, TargetQuotas.PRODUCE, 3);             // user=alice
        assertEquals(3, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set("alice", true, null, true, TargetQuotas.PRODUCE, 2);              // user=alice, client-id=<default>
        assertEquals(2, resolve("alice", "app-1", TargetQuotas.PRODUCE).value());
        set("alice", true, "app-1", true, TargetQuotas.PRODUCE, 1);           // user=alice, client-id=app-1
        TargetQuotas.Applied a = resolve("alice", "app-1", TargetQuotas.PRODUCE);
        assertEquals(1, a.value());
        assertEquals("user=alice, client-id=app-1", a.entity());
        assertEquals(2, resolve("alice", "app-2", TargetQuotas.PRODUCE).value(), "another client id of alice: her default client quota");
        assertEquals(4, resolve("bob", "app-1", TargetQuotas.PRODUCE).value(), "another user: the default user's quota for app-1");
    }

    @Test
    void eachQuotaIsResolvedOnItsOwn() {
        set("alice", true, null, false, TargetQuotas.PRODUCE, 1024);
        set(null, true, null, false, TargetQuotas.FETCH, 4096);
        assertEquals("user=alice", resolve("alice", "c", TargetQuotas.PRODUCE).entity());
        assertEquals("user=<default>", resolve("alice", "c", TargetQuotas.FETCH).entity(), "alice's entity sets no fetch quota");
        assertTrue(new TargetQuotas(quotas).resolve("alice", "c", "request_percentage").isEmpty());
    }

    @Test
    void clientsShareABucketWhenTheQuotaHasNoClientPart() {
        set(null, true, null, false, TargetQuotas.PRODUCE, 100);
        assertEquals(resolve("alice", "a", TargetQuotas.PRODUCE).bucket(), resolve("alice", "b", TargetQuotas.PRODUCE).bucket());
        assertTrue(!resolve("alice", "a", TargetQuotas.PRODUCE).bucket().equals(resolve("bob", "a", TargetQuotas.PRODUCE).bucket()),
            "a default user quota is still one per user");
        set(null, true, null, true, TargetQuotas.PRODUCE, 50);
        assertTrue(!resolve("alice", "a", TargetQuotas.PRODUCE).bucket().equals(resolve("alice", "b", TargetQuotas.PRODUCE).bucket()),
            "a default client quota is one per client id");
    }

    @Test
    void noQuotaMeansNoLimit() {
        assertTrue(new TargetQuotas(Map.of()).resolve("alice", "c", TargetQuotas.PRODUCE).isEmpty());
    }
}
