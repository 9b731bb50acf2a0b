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
            assertEquals(1, placements(stateA, "p/1/orders"));

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
                () -> placements(stateB, "p/1/orders") == 0);
            assertEquals(1, placements(stateB, "p/2/orders"), "producer 2's mapping stays");

            // An instance that starts cold rebuilds producer 2's mapping and nothing of producer 1's.
            try (FleetState stateC = FleetState.start(fleet(topic, "c"), cluster(source))) {
                List<ProducerIdRecord> loaded = new FleetProducerIdStore(stateC, Duration.ofSeconds(10)).load();
                assertTrue(loaded.stream().noneMatch(r -> r instanceof ProducerIdRecord.Placement p && p.producerId() == 1L), loaded.toString());
                assertTrue(loaded.stream().anyMatch(r -> r instanceof ProducerIdRecord.Placement p && p.producerId() == 2L && p.realId() == real2),
                    loaded.toString());
            }
            assertEquals(0, placements(stateA, "p/1/orders"));
        }
    }

    /**
     * Two instances placing one producer's topic at the same moment (its connections reach both)
     * agree on the placement first in the state topic, so its batches never go out under two real
     * ids; each move of the topic after that is a new generation, and an instance deletes the
     * placements of older generations it wrote itself, so the topic does not grow with every move.
     */
    @Test
    void twoInstancesPlacingOneProducerAtOnceAgreeAndOlderGenerationsLeaveTheTopic(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("fleet-pid-race");
        AtomicLong nextReal = new AtomicLong(7_000);
        ProducerIdMapper.RealIdSource ids = c -> new ProducerIdMapper.RealProducer(nextReal.getAndIncrement(), (short) 0);
        try (FleetState stateA = FleetState.start(fleet(topic, "a"), cluster(source));
             FleetState stateB = FleetState.start(fleet(topic, "b"), cluster(source))) {
            FleetProducerIdStore storeA = new FleetProducerIdStore(stateA, Duration.ofSeconds(10));
            FleetProducerIdStore storeB = new FleetProducerIdStore(stateB, Duration.ofSeconds(10));
            ProducerIdMapper a = new ProducerIdMapper("source", storeA, storeA.load(), System::currentTimeMillis);
            ProducerIdMapper b = new ProducerIdMapper("source", storeB, storeB.load(), System::currentTimeMillis);
            storeA.follow(a::adopt);
            storeB.follow(b::adopt);

            for (int round = 0; round < 5; round++) {
                long producer = 100 + round;
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.CompletableFuture<Long> viaA = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(go);
                    return a.realFor(producer, "target", "orders", ids);
                });
                java.util.concurrent.CompletableFuture<Long> viaB = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(go);
                    return b.realFor(producer, "target", "orders", ids);
                });
                go.countDown();
                long ra = viaA.get(30, java.util.concurrent.TimeUnit.SECONDS);
                long rb = viaB.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(ra > 0 && rb > 0, "round " + round + ": " + ra + " / " + rb);
                assertEquals(ra, rb, "round " + round + ": both instances write producer " + producer + " under one real id");
            }

            // Producer 100's topic moves back and forth through a: generations 2, 3 and 4.
            long before = a.existingRealFor(100L, "target", "orders");
            long back = a.realFor(100L, "source", "orders", ids);
            long again = a.realFor(100L, "target", "orders", ids);
            long backAgain = a.realFor(100L, "source", "orders", ids);
            assertTrue(back != before && again != before && again != back && backAgain != back,
                "each move is a real id the cluster has not seen for the topic: " + List.of(before, back, again, backAgain));
            Await.until("b follows the last move", Duration.ofSeconds(10), () -> b.existingRealFor(100L, "source", "orders") == backAgain);
            Await.until("a's older placements of producer 100 deleted", Duration.ofSeconds(10),
                () -> placements(stateB, "p/100/orders") <= 2);
        }
    }

    /** How many entities of the state topic hold placements under {@code key} (one per placement since generations). */
    private static long placements(FleetState state, String key) {
        String k = FleetProducerIdStore.PREFIX + key;
        return state.entries(k).keySet().stream().filter(e -> e.equals(k) || e.startsWith(k + "/g")).count();
    }

    private static void awaitQuietly(java.util.concurrent.CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
