package io.cutover.proxy.core.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.inventory.PrincipalRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a principal must be allowed on the target: what it did with the wave's resources, and nothing outside the wave. */
class PrincipalNeedsTest {
    @Test
    void eachUseOfTheWavesResourcesNeedsItsOperationAndDescribe() {
        PrincipalRecord.Snapshot alice = new PrincipalRecord.Snapshot("alice", Set.of("orders", "audit"), Set.of("payments"),
            Set.of("orders-app", "other-app"), Set.of("orders-tx", "audit-tx"), Set.of("10.0.0.7"), Map.of());
        List<String> needs = PrincipalNeeds.of(alice, Set.of("orders", "payments"), Set.of("orders-app"), "orders-tx"::equals).stream()
            .map(n -> n.operation() + " " + n.resource()).toList();
        assertEquals(List.of("WRITE TOPIC orders", "DESCRIBE TOPIC orders", "READ TOPIC payments", "DESCRIBE TOPIC payments",
            "READ GROUP orders-app", "DESCRIBE GROUP orders-app", "WRITE TRANSACTIONAL_ID orders-tx", "DESCRIBE TRANSACTIONAL_ID orders-tx"),
            needs);
    }

    @Test
    void aPrincipalThatDidNothingWithTheWaveNeedsNothing() {
        PrincipalRecord.Snapshot bob = new PrincipalRecord.Snapshot("bob", Set.of("audit"), Set.of(), Set.of("other-app"), Set.of(),
            Set.of(), Map.of());
        assertTrue(PrincipalNeeds.of(bob, Set.of("orders"), Set.of("orders-app"), id -> false).isEmpty());
    }
}
