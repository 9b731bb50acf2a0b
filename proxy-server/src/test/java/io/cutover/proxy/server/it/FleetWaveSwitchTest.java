package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.log;
import static io.cutover.proxy.server.it.WaveSwitchTest.mirrored;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static io.cutover.proxy.server.it.WaveSwitchTest.sortedBySequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.FaultRelay;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Wave switches over a fleet: instances share the waves and the route table through the state
 * topic, a switch through one instance holds the wave's writes on every instance before it flips,
 * an instance that does not acknowledge aborts it, and an instance the fleet cannot hear from is
 * waited out (its lease) and holds the writes itself. Real source and target clusters with a real
 * MirrorMaker 2, proxies in this JVM, idempotent producers and consumer groups on each.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetWaveSwitchTest {
    private static final int PARTITIONS = WaveSwitchTest.PARTITIONS;

    static Map<String, Object> fleet(String stateTopic, String instance, Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(Map.of("fleet.enabled", true, "fleet.state-topic", stateTopic, "fleet.instance-id", instance,
            "fleet.replication-factor", 1, "fleet.min-insync-replicas", 1, "fleet.heartbeat-interval", "500 ms"));
        m.putAll(extra);
        return m;
    }

    /**
     * Two instances, each with its own producer and consumer group: a switch through a holds b's
     * writes too (b acknowledges before the flip), every acknowledged record lands once, in order,
     * and nothing reaches the source after the flip; then a rollback through b.
     */
    @Test
    void aSwitchThroughOneInstanceHoldsTheWritesOfEveryInstanceAndARollbackRunsThroughAnother(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("fleet-waves");
        String topic = Clients.unique("fleet-orders");
        String groupA = Clients.unique("fleet-classic");
        String groupB = Clients.unique("fleet-848");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy a = proxyWithMirror(source, target, mm, fleet(stateTopic, "a", Map.of()));
             RunningProxy b = proxyWithMirror(source, target, mm, fleet(stateTopic, "b", Map.of()));
             WaveWorkload loadA = new WaveWorkload(a.bootstrapServers(), topic);
             WaveWorkload loadB = new WaveWorkload(b.bootstrapServers(), topic)) {
            loadA.produce("app-a", 5).consume(groupA, "classic");
            loadB.produce("app-b", 5).consume(groupB, "consumer");
            Await.until("both instances carry traffic", Duration.ofSeconds(60), () -> loadA.ackedCount() > 100 && loadB.ackedCount() > 100
                && !loadA.consumed(groupA).isEmpty() && !loadB.consumed(groupB).isEmpty());
            Await.until("a sees b live", Duration.ofSeconds(30), () -> json(a.send("GET", "/fleet", null, Map.of())).path("live").asInt() == 2);

            createReady(a, "orders", topic, List.of(groupA, groupB));
            Await.until("b knows wave orders", Duration.ofSeconds(30), () -> b.send("GET", "/waves/orders", null, Map.of()).statusCode() == 200);
            int ackedA = loadA.ackedCount();
            int ackedB = loadB.ackedCount();

            HttpResponse<String> switched = a.send("POST", "/waves/orders/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            System.out.println("FLEET-SWITCH " + report);
            assertTrue(report.path("fleet").path("heldAfterMs").has("b"), "b held the wave's writes before the flip: " + report);
            Map<TopicPartition, Long> syncedThrough = syncedThrough(report, topic);

            // b follows: the wave's new state and the flipped routes, and its clients write to the target.
            Await.until("b sees the wave SWITCHED", Duration.ofSeconds(30),
                () -> json(b.send("GET", "/waves/orders", null, Map.of())).path("state").asText().equals("SWITCHED"));
            Await.until("300 more records acknowledged through each instance", Duration.ofSeconds(60),
                () -> loadA.ackedCount() > ackedA + 300 && loadB.ackedCount() > ackedB + 300);
            loadA.stopProducing();
            loadB.stopProducing();
            Await.until("each group read every record its instance's producer had acknowledged", Duration.ofSeconds(120),
                () -> loadA.consumedAll(groupA) && loadB.consumedAll(groupB));
            assertNull(loadA.failure(), () -> "client failure through a: " + loadA.failure());
            assertNull(loadB.failure(), () -> "client failure through b: " + loadB.failure());

            assertEquals(syncedThrough, sourceEnds(source, topic), "nothing reached the source after the flip, through either instance");
            assertEveryAcknowledgedRecordOnceInOrder(source, target, topic, List.of(loadA, loadB), List.of("app-a", "app-b"));

            // Any instance drives the wave: the rollback runs through b and holds a's writes.
            HttpResponse<String> back = b.send("POST", "/waves/orders/rollback", "{\"force\":true}", Map.of());
            assertEquals(200, back.statusCode(), back.body());
            JsonNode rollback = json(back).get("lastSwitch");
            System.out.println("FLEET-ROLLBACK " + rollback);
            assertEquals("ROLLED_BACK", json(back).path("state").asText());
            assertTrue(rollback.path("fleet").path("heldAfterMs").has("a"), "a held the wave's writes before the rollback's flip: " + rollback);
            Await.until("a sees the wave ROLLED_BACK", Duration.ofSeconds(30),
                () -> json(a.send("GET", "/waves/orders", null, Map.of())).path("state").asText().equals("ROLLED_BACK"));
            long before = sourceEnds(source, topic).values().stream().mapToLong(Long::longValue).sum();
            try (KafkaProducer<String, String> p = Clients.producer(a.bootstrapServers(), Map.of())) {
                p.send(new ProducerRecord<>(topic, "after-rollback")).get();
            }
            assertEquals(before + 1, sourceEnds(source, topic).values().stream().mapToLong(Long::longValue).sum(),
                "after the rollback a routes the wave's writes to the source again");
        }
    }

    /**
     * An instance that heartbeats but never acknowledges the fence aborts the switch after the fence
     * timeout, and the held writes go on; once it falls silent, the next switch waits out its lease
     * before it flips.
     */
    @Test
    void aLiveInstanceThatDoesNotAcknowledgeAbortsTheSwitchAndASilentOneIsWaitedOut(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("fleet-ghost");
        String topic = Clients.unique("fleet-ghost-orders");
        AtomicBoolean beating = new AtomicBoolean(true);
        AtomicLong lastBeatMs = new AtomicLong();
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy a = proxyWithMirror(source, target, mm, fleet(stateTopic, "a", Map.of("waves.fence-timeout", "2 s")));
             WaveWorkload load = new WaveWorkload(a.bootstrapServers(), topic);
             KafkaProducer<String, String> ghost = Clients.producer(source.bootstrapServers(), Map.of())) {
            // "ghost" announces itself as an instance would, and never answers a fence.
            Thread heart = new Thread(() -> {
                while (beating.get()) {
                    long now = System.currentTimeMillis();
                    ghost.send(new ProducerRecord<>(stateTopic, 0, "member/ghost", "{\"version\":" + now
                        + ",\"writer\":\"ghost\",\"body\":{\"id\":\"ghost\",\"state\":\"ready\"}}"));
                    ghost.flush();
                    lastBeatMs.set(now);
                    try {
                        Thread.sleep(200); // a heartbeat's pace, not synchronisation
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "ghost-heartbeat");
            heart.start();
            try {
                load.produce("app", 5);
                Await.until("traffic and the ghost's heartbeats", Duration.ofSeconds(60), () -> load.ackedCount() > 100
                    && json(a.send("GET", "/fleet", null, Map.of())).path("live").asInt() == 2);
                createReady(a, "ghosted", topic, List.of());

                HttpResponse<String> refused = a.send("POST", "/waves/ghosted/switch", null, Map.of());
                assertEquals(409, refused.statusCode(), refused.body());
                assertTrue(refused.body().contains("ghost") && refused.body().contains("did not acknowledge"), refused.body());
                JsonNode aborted = json(refused);
                assertEquals("READY", aborted.path("wave").path("state").asText(), refused.body());
                int afterAbort = load.ackedCount();
                Await.until("writes go on after the aborted switch", Duration.ofSeconds(30), () -> load.ackedCount() > afterAbort + 100);
            } finally {
                beating.set(false);
                heart.join(10_000);
            }
            long ghostLast = lastBeatMs.get();

            // Silent now: the switch no longer waits for an acknowledgement, but flips only after the ghost's lease.
            HttpResponse<String> switched = Await.until("the switch goes through once the ghost is silent", Duration.ofSeconds(60),
                () -> a.send("POST", "/waves/ghosted/switch", null, Map.of()), r -> r.statusCode() != 409);
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            System.out.println("FLEET-LEASE " + report);
            JsonNode fleet = report.path("fleet");
            assertTrue(fleet.path("silentInstances").toString().contains("ghost"), report.toString());
            // Lease: two 500 ms heartbeat intervals, plus one interval's margin.
            long leaseEnd = ghostLast + 1_500;
            assertTrue(report.path("flippedAtEpochMs").asLong() >= leaseEnd, "flipped at "
                + Instant.ofEpochMilli(report.path("flippedAtEpochMs").asLong()) + ", before the ghost's lease ended at "
                + Instant.ofEpochMilli(leaseEnd) + ": " + report);

            int acked = load.ackedCount();
            Await.until("writes go on on the target", Duration.ofSeconds(30), () -> load.ackedCount() > acked + 100);
            load.stopProducing();
            assertNull(load.failure(), () -> "client failure: " + load.failure());
            assertEquals(syncedThrough(report, topic), sourceEnds(source, topic), "nothing reached the source after the flip");
            assertEveryAcknowledgedRecordOnceInOrder(source, target, topic, List.of(load), List.of("app"));
        }
    }

    /**
     * An instance cut off from the state cluster (the target here) cannot see a switch's fence. Once
     * its lease runs out it holds the waves' writes itself; the switch, run through another instance,
     * waits out that lease and flips; when the instance reaches the state topic again it reads the
     * flip before it lets the held writes go, so they land on the target. The target's broker has a
     * second listener that only c uses, advertised behind a fault relay, so blackholing the relay
     * cuts c off and no one else.
     */
    @Test
    void anInstanceCutOffFromTheStateClusterHoldsTheWavesWritesUntilItHasReadTheFlip(EmbeddedKafkaCluster source) throws Exception {
        String stateTopic = Clients.unique("fleet-cut");
        String topic = Clients.unique("fleet-cut-orders");
        Map<String, Object> onTarget = Map.of("fleet.state-cluster", "target");
        try (FaultRelay relay = FaultRelay.start();
             EmbeddedKafkaCluster target = behind(relay, "cut-target")) {
            try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
                 RunningProxy a = proxyWithMirror(source, target, mm, fleet(stateTopic, "a", onTarget));
                 RunningProxy c = RunningProxy.routing(source.bootstrapServers(), relay.address(), mirrorSettings(mm, fleet(stateTopic, "c", onTarget)));
                 WaveWorkload loadA = new WaveWorkload(a.bootstrapServers(), topic);
                 WaveWorkload loadC = new WaveWorkload(c.bootstrapServers(), topic)) {
                loadA.produce("app-a", 5);
                loadC.produce("app-c", 5);
                Await.until("both instances carry traffic and see each other", Duration.ofSeconds(60), () -> loadA.ackedCount() > 100
                    && loadC.ackedCount() > 100 && json(a.send("GET", "/fleet", null, Map.of())).path("live").asInt() == 2);
                assertTrue(relay.connections() > 0, "c reaches the target through the relay");
                createReady(a, "cut", topic, List.of());
                Await.until("c knows wave cut", Duration.ofSeconds(30), () -> c.send("GET", "/waves/cut", null, Map.of()).statusCode() == 200);

                // c loses the state cluster (and its data path to the target); its path to the source stays.
                relay.blackhole();
                Await.until("c holds the wave's writes: its lease ran out", Duration.ofSeconds(30),
                    () -> c.metric("cutover_proxy_fleet_lease_holding") == 1);
                Await.until("a lists c as not live", Duration.ofSeconds(30),
                    () -> json(a.send("GET", "/fleet", null, Map.of())).path("live").asInt() == 1);
                int cAckedWhileCut = loadC.ackedCount();

                HttpResponse<String> switched = a.send("POST", "/waves/cut/switch", null, Map.of());
                assertEquals(200, switched.statusCode(), switched.body());
                JsonNode report = json(switched).get("lastSwitch");
                System.out.println("FLEET-CUT " + report);
                assertTrue(report.path("fleet").path("silentInstances").toString().contains("\"c\""), report.toString());
                Map<TopicPartition, Long> syncedThrough = syncedThrough(report, topic);
                assertEquals(cAckedWhileCut, loadC.ackedCount(), "c's writes to the wave's topic stayed held through the switch");

                relay.restore();
                Await.until("c's held writes go on, now to the target", Duration.ofSeconds(90),
                    () -> loadC.ackedCount() > cAckedWhileCut + 100);
                loadA.stopProducing();
                loadC.stopProducing();
                assertNull(loadA.failure(), () -> "client failure through a: " + loadA.failure());
                assertNull(loadC.failure(), () -> "client failure through c: " + loadC.failure());
                assertEquals(syncedThrough, sourceEnds(source, topic), "c wrote nothing to the source after the flip");
                assertEveryAcknowledgedRecordOnceInOrder(source, target, topic, List.of(loadA, loadC), List.of("app-a", "app-c"));
            }
        }
    }

    /**
     * A one-broker cluster with a second listener advertised behind {@code relay} (which it starts
     * forwarding there): whoever bootstraps from {@code relay.address()} reaches the broker only through
     * the relay, everyone else directly, so blackholing the relay cuts off that one client.
     */
    static EmbeddedKafkaCluster behind(FaultRelay relay, String name) throws Exception {
        int altPort = freePortBelowEphemeral();
        EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(name, 1, Map.of(
            "listeners", "EXTERNAL://localhost:0,CONTROLLER://localhost:0,ALT://127.0.0.1:" + altPort,
            "advertised.listeners", "EXTERNAL://localhost:0,ALT://127.0.0.1:" + relay.port(),
            "listener.security.protocol.map", "EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,ALT:PLAINTEXT"));
        relay.forwardTo("127.0.0.1:" + altPort);
        return cluster;
    }

    /** A port below the ephemeral range (which starts at 32768) that nothing listens on now. */
    private static int freePortBelowEphemeral() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = 26_000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(6_000);
            try (java.net.ServerSocket s = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (java.io.IOException taken) {
                // try another
            }
        }
        throw new IllegalStateException("no free port between 26000 and 32000");
    }

    /** What {@link WaveSwitchTest#proxyWithMirror} sets, for a proxy that reaches the target by another address. */
    private static Map<String, Object> mirrorSettings(EmbeddedMirrorMaker mm, Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>(extra);
        m.put("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name());
        m.put("waves.max-ready-lag", 500);
        return m;
    }

    static Map<TopicPartition, Long> syncedThrough(JsonNode report, String topic) {
        Map<TopicPartition, Long> out = new HashMap<>();
        report.path("syncedThrough").fields().forEachRemaining(e -> {
            String tp = e.getKey();
            int dash = tp.lastIndexOf('-');
            out.put(new TopicPartition(tp.substring(0, dash), Integer.parseInt(tp.substring(dash + 1))), e.getValue().asLong());
        });
        assertEquals(PARTITIONS, out.size(), "the report names every partition of " + topic + ": " + report);
        return out;
    }

    static Map<TopicPartition, Long> sourceEnds(EmbeddedKafkaCluster source, String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.listOffsets(ask).all().get().forEach((tp, info) -> out.put(tp, info.offset()));
        }
        return out;
    }

    /**
     * The target holds the source's records (replicated) followed by the later ones, each
     * acknowledged record of each producer exactly once, in that producer's order per partition.
     */
    static void assertEveryAcknowledgedRecordOnceInOrder(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String topic,
                                                         List<WaveWorkload> loads, List<String> producers) {
        Map<Integer, List<String>> sourceLog = log(source.bootstrapServers(), topic);
        Map<Integer, List<String>> targetLog = log(target.bootstrapServers(), topic);
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> src = sourceLog.get(p);
            List<String> tgt = targetLog.get(p);
            assertEquals(src, tgt.subList(0, Math.min(src.size(), tgt.size())), "partition " + p + ": the target starts with the source's records");
            assertEquals(new HashSet<>(tgt).size(), tgt.size(), "partition " + p + ": no record twice on the target");
            for (int i = 0; i < loads.size(); i++) {
                String prefix = producers.get(i) + "-";
                int partition = p;
                List<String> acked = loads.get(i).acked().stream().filter(x -> x.partition() == partition).map(WaveWorkload.Acked::value).toList();
                List<String> landed = new ArrayList<>(tgt.stream().filter(v -> v.startsWith(prefix)).toList());
                assertEquals(new HashSet<>(acked), new HashSet<>(landed), "partition " + p + ", " + producers.get(i)
                    + ": every acknowledged record, nothing else");
                assertEquals(sortedBySequence(landed), landed, "partition " + p + ", " + producers.get(i) + ": in the order produced");
            }
        }
    }
}
