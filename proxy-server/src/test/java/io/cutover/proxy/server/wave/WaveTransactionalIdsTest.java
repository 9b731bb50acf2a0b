package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.wave.Wave;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WaveTransactionalIdsTest {
    private final ClientInventory inventory = new ClientInventory(100, Duration.ofDays(1), Clock.systemUTC(), null);
    private final Wave wave = Wave.planned("orders", List.of("orders"), List.of("orders-app"), ClientSelector.ANY, Instant.now(), "test");

    private void client(String clientId, String topic, String transactionalId) {
        ClientRecord r = inventory.connected(clientId, "127.0.0.1", "source");
        r.produced(topic);
        if (transactionalId != null) {
            r.transactionalId(transactionalId);
        }
    }

    @Test
    void theIdsOfClientsWritingTheWavesTopicsMoveWithIt() {
        client("writer", "orders", "orders-writer-txn");
        client("elsewhere", "payments", "payments-txn");
        client("idempotent", "orders", null);

        WaveTransactionalIds ids = WaveTransactionalIds.of(wave, inventory);
        assertEquals(Set.of("orders-writer-txn"), ids.exact());
        assertTrue(ids.matches("orders-writer-txn"));
        assertFalse(ids.matches("payments-txn"));
    }

    @Test
    void aStreamsApplicationAmongTheWavesGroupsMovesEveryIdItWillMake() {
        String process = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        client("orders-app-" + process + "-StreamThread-1-producer", "orders", "orders-app-" + process + "-1");
        WaveTransactionalIds ids = WaveTransactionalIds.of(wave, inventory);
        assertEquals(Set.of("orders-app-"), ids.prefixes());
        assertEquals(Set.of(), ids.exact(), "covered by the prefix");
        assertTrue(ids.matches("orders-app-9f2504e0-4f89-11d3-9a0c-0305e82c3301-2"), "an instance started after the switch");
    }

    @Test
    void theRulesSendTheIdsWithTheWaveAndARollbackMovesBackWhatTheSwitchMoved() {
        WaveTransactionalIds ids = new WaveTransactionalIds(Set.of("a-txn"), Set.of("app-"));
        var routes = WaveRoutes.pointing(RouteTable.initial(), wave, ids, "target")
            .forClient(new ClientSelector.ClientIdentity("any-client", java.net.InetAddress.getLoopbackAddress()));
        assertEquals("target", routes.transactionalId("a-txn"));
        assertEquals("target", routes.transactionalId("app-1234-1"));
        assertEquals("source", routes.transactionalId("unrelated"));
        assertEquals("target", routes.topic("orders"));

        var report = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        report.set("transactionalIds", ids.toJson());
        assertEquals(ids, WaveTransactionalIds.fromReport(report));
        assertEquals(WaveTransactionalIds.NONE, WaveTransactionalIds.fromReport(null));
    }
}
