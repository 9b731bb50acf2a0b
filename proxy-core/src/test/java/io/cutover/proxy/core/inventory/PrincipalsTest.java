package io.cutover.proxy.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What clients did, by principal: bounded, saved with the inventory (names, not rates). */
class PrincipalsTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-05T12:00:00Z"), ZoneOffset.UTC);

    @Test
    void namesSurviveARestartAndRatesStartAgain(@TempDir Path stateDir) {
        ClientInventory inventory = new ClientInventory(100, Duration.ofDays(1), clock, stateDir);
        PrincipalRecord alice = inventory.principals().of("alice");
        alice.produced("orders");
        alice.fetched("payments");
        alice.group("orders-app");
        alice.transactionalId("orders-tx");
        alice.address("10.0.0.7");
        alice.traffic("producer-1", clock.millis()).produced(100_000, clock.millis());
        assertEquals(Map.of("producer-1", new PrincipalRecord.Rates(10_000, 0)), inventory.principals().snapshot().get(0).rates());
        inventory.save();

        PrincipalRecord.Snapshot back = new ClientInventory(100, Duration.ofDays(1), clock, stateDir).principals().snapshot().get(0);
        assertEquals("alice", back.principal());
        assertEquals(Set.of("orders"), back.produced());
        assertEquals(Set.of("payments"), back.fetched());
        assertEquals(Set.of("orders-app"), back.groups());
        assertEquals(Set.of("orders-tx"), back.transactionalIds());
        assertEquals(Set.of("10.0.0.7"), back.addresses());
        assertTrue(back.rates().isEmpty(), "rates are of this run only");
    }

    @Test
    void principalsAndTheirClientIdsAreBounded() {
        ClientInventory inventory = new ClientInventory(3, Duration.ofDays(1), clock, null);
        for (int i = 0; i < 10; i++) {
            inventory.principals().of("user-" + i);
        }
        assertEquals(3, inventory.principals().size());
        PrincipalRecord p = inventory.principals().of("many-clients");
        for (int i = 0; i < PrincipalRecord.MAX_CLIENT_IDS + 50; i++) {
            p.traffic("client-" + i, clock.millis()).produced(10, clock.millis());
        }
        Map<String, PrincipalRecord.Rates> rates = p.snapshot(clock.millis()).rates();
        assertEquals(PrincipalRecord.MAX_CLIENT_IDS + 1, rates.size(), "past the bound, client ids share one counter");
        assertTrue(rates.containsKey(PrincipalRecord.OTHER_CLIENT_IDS));
        for (int i = 0; i < ClientRecord.MAX_NAMES + 10; i++) {
            p.produced("topic-" + i);
        }
        assertEquals(ClientRecord.MAX_NAMES, p.snapshot(clock.millis()).produced().size());
    }
}
