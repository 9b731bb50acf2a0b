package io.cutover.proxy.server.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Producer-id mappings in a fleet's state topic are deleted once every instance has forgotten the
 * producer, and not while any instance still serves it: against a real state topic, two instances'
 * stores and mappers, and a clock the test moves.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetProducerIdForgetTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    private static ProxyConfig.Fleet fleet(String topic, String instance) {
        return new ProxyConfig.Fleet(true, instance, "source", topic, topic + "-audit", (short) 1, 1, Duration.ofSeconds(10),
            Duration.ofMillis(500), Duration.ofSeconds(2));
    }

    private static ClusterConfig cluster(EmbeddedKafkaCluster c) {
        String first = c.bootstrapServers().split(",")[0];
        int colon = first.lastIndexOf(':');
        return new ClusterConfig("source", List.of(new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)))), 0);
    }

    @Test
    void aProducerSeenNowhereForTheRetentionLeavesTheStateTopicAndOneStillSeenStays(EmbeddedKafkaCluster source) {
        String topic = Clients.unique("fleet-pid-forget");
        AtomicLong clock = new AtomicLong(System.currentTimeMillis());
        AtomicLong nextReal = new AtomicLong(5_000);
        try (FleetState stateA = FleetState.start(fleet(topic, "a"), cluster(source));
             FleetState stateB = FleetState.start(fleet(topic, "b"), cluster(source))) {
            FleetProducerIdStore storeA = new FleetProducerIdStore(stateA, Duration.ofSeconds(10));
            FleetProducerIdStore storeB = new FleetProducerIdStore(stateB, Duration.ofSeconds(10));
            ProducerIdMapper a = new ProducerIdMapper("source", storeA, storeA.load(), clock::get);
            ProducerIdMapper b = new ProducerIdMapper("source", storeB, storeB.load(), clock::get);
            storeA.follow(a::adopt);
            storeB.follow(b::adopt);

            // Producers 1 and 2 move to the target through a; b adopts both mappings.
            long real1 = a.realFor(1L, "target", "orders", c -> new ProducerIdMapper.RealProducer(nextReal.getAndIncrement(), (short) 0));
            long real2 = a.realFor(2L, "target", "orders", c -> new ProducerIdMapper.RealProducer(nextReal.getAndIncrement(), (short) 0));
            Await.until("b adopted both mappings", Duration.ofSeconds(10), () ->
                b.existingRealFor(1L, "target", "orders") == real1 && b.existingRealFor(2L, "target", "orders") == real2);
            assertNotNull(stateA.entry(FleetProducerIdStore.PREFIX + "p/1/orders"));

            // Eight days on, producer 2 still writes through b only; b's upkeep saves that it was seen, a adopts it.
            clock.addAndGet(8 * DAY);
            b.existingRealFor(2L, "target", "orders");
            b.maintain(Duration.ofHours(12).toMillis(), clock.get() - 7 * DAY);
            Await.until("b's seen record of producer 2 reached the topic", Duration.ofSeconds(10),
                () -> stateA.entry(FleetProducerIdStore.PREFIX + "s/2") != null);
            assertTrue(stateB.awaitCaughtUp(Duration.ofSeconds(10)) && stateA.awaitCaughtUp(Duration.ofSeconds(10)));

            // a's upkeep forgets producer 1 only: producer 2 was seen (through b) within the week.
            assertEquals(1, a.maintain(Duration.ofHours(12).toMillis(), clock.get() - 7 * DAY), "a forgets producer 1, not 2");
            Await.until("producer 1's mapping deleted from the topic", Duration.ofSeconds(10),
                () -> stateB.entry(FleetProducerIdStore.PREFIX + "p/1/orders") == null);
            assertNotNull(stateB.entry(FleetProducerIdStore.PREFIX + "p/2/orders"), "producer 2's mapping stays");

            // An instance that starts cold rebuilds producer 2's mapping and nothing of producer 1's.
            try (FleetState stateC = FleetState.start(fleet(topic, "c"), cluster(source))) {
                List<ProducerIdRecord> loaded = new FleetProducerIdStore(stateC, Duration.ofSeconds(10)).load();
                assertTrue(loaded.stream().noneMatch(r -> r instanceof ProducerIdRecord.Placement p && p.producerId() == 1L), loaded.toString());
                assertTrue(loaded.stream().anyMatch(r -> r instanceof ProducerIdRecord.Placement p && p.producerId() == 2L && p.realId() == real2),
                    loaded.toString());
            }
            assertNull(stateA.entry(FleetProducerIdStore.PREFIX + "p/1/orders"));
        }
    }
}
