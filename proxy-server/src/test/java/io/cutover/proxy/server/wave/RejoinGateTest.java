package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.inventory.ClientInventory;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RejoinGateTest {
    private static final String HOST_A = ClientInventory.memberKey("consumer-billing-1", "10.0.0.1");
    private static final String HOST_B = ClientInventory.memberKey("consumer-billing-1", "10.0.0.2");

    private final RejoinGate gate = new RejoinGate(Set.of("orders"), Set.of("billing"), "target", Set.of(HOST_A, HOST_B),
        System.nanoTime() + 60_000_000_000L);

    @Test
    void aMemberOnOneHostRejoiningDoesNotLetItsNamesakeOnAnotherHostRead() {
        assertTrue(gate.holds("target", HOST_A, "orders"));
        gate.joined("target", HOST_A, "billing");

        assertFalse(gate.holds("target", HOST_A, "orders"), "rejoined: reads");
        assertTrue(gate.holds("target", HOST_B, "orders"), "same client.id, another host, not rejoined yet");
        assertFalse(gate.open());
        gate.joined("target", HOST_B, "billing");
        assertTrue(gate.open());
    }

    @Test
    void onlyTheWavesTopicsGroupsAndDestinationCount() {
        assertFalse(gate.holds("source", HOST_A, "orders"));
        assertFalse(gate.holds("target", HOST_A, "payments"));
        gate.joined("target", HOST_A, "another-group");
        assertTrue(gate.holds("target", HOST_A, "orders"));
    }
}
