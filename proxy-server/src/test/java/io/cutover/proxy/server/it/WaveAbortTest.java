package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.log;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Switches that must not go through: a gate fails, something writes to the source around the
 * proxy, the target is down. Each leaves the clients on the source, with nothing lost.
 */
@ExtendWith(KafkaClusterExtension.class)
class WaveAbortTest {
    private static final int PARTITIONS = 3;

    private static void assertNothingLostAndAllOnSource(WaveWorkload load, String bootstrap, String topic, List<String> groups,
                                                       String targetBootstrap) {
        assertNull(load.failure(), () -> "client failure: " + load.failure());
        Set<String> onSource = new HashSet<>();
        log(bootstrap, topic).values().forEach(onSource::addAll);
        for (WaveWorkload.Acked a : load.acked()) {
            assertTrue(onSource.contains(a.value()), a.value() + " was acknowledged but is not on the source");
        }
        for (String g : groups) {
            Await.until(g + " consumed every acknowledged record", Duration.ofSeconds(120), () -> load.consumedAll(g));
        }
    }

    @Test
    void aFailingGateRefusesTheSwitchNamingIt(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("wave-gate");
        String inWave = Clients.unique("gate-in");
        String outside = Clients.unique("gate-outside");
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("gate-app", 5).consume(inWave, "classic").consume(outside, "consumer");
            Await.until("both groups committed", Duration.ofSeconds(60),
                () -> !load.consumed(inWave).isEmpty() && !load.consumed(outside).isEmpty() && load.ackedCount() > 50);
            String body = "{\"name\":\"gated\",\"topics\":[\"" + topic + "\"],\"groups\":[\"" + inWave + "\"]}";
            assertEquals(201, proxy.send("POST", "/waves", body, Map.of()).statusCode());
            JsonNode checked = Await.until("the group gate fails on live data", Duration.ofSeconds(60),
                () -> json(proxy.send("POST", "/waves/gated/check", null, Map.of())),
                w -> gate(w.get("gates"), "groups-in-wave").get("status").asText().equals("FAIL"));
            assertEquals("PLANNED", checked.get("state").asText());
            JsonNode groupsGate = gate(checked.get("gates"), "groups-in-wave");
            assertTrue(groupsGate.get("evidence").get("problems").toString().contains(outside), groupsGate.toString());
            assertTrue(groupsGate.get("remedy").asText().contains("Add the groups"), groupsGate.toString());

            HttpResponse<String> refused = proxy.send("POST", "/waves/gated/switch", null, Map.of());
            assertEquals(409, refused.statusCode());
            assertTrue(json(refused).get("error").asText().contains("check the wave first"), refused.body());

            // The scorecard shows the same verdicts, as JSON and as text.
            JsonNode card = json(proxy.send("GET", "/waves/gated/scorecard", null, Map.of()));
            assertEquals(false, card.get("ready").asBoolean());
            assertEquals(11, card.get("gates").size());
            HttpResponse<String> text = proxy.send("GET", "/waves/gated/scorecard?format=text", null, Map.of());
            assertEquals(200, text.statusCode());
            assertTrue(text.body().contains("groups-in-wave") && text.body().contains("FAIL") && text.body().contains("to do:"),
                text.body());
            System.out.println("WAVE-SCORECARD\n" + text.body());
            load.stopProducing();
            assertNothingLostAndAllOnSource(load, source.bootstrapServers(), topic, List.of(inWave, outside), target.bootstrapServers());
            assertEquals("source", json(proxy.send("GET", "/routes", null, Map.of())).get("defaultCluster").asText());
            assertEquals(0, json(proxy.send("GET", "/routes", null, Map.of())).get("rules").size(), "no route moved");
        }
    }

    @Test
    void writesAroundTheProxyAbortTheSwitchAndTheClientsStayOnTheSource(EmbeddedKafkaCluster source,
                                                                       @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("wave-around");
        String group = Clients.unique("around");
        AtomicBoolean writingAround = new AtomicBoolean(true);
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of("waves.fence-timeout", "3 seconds"));
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("around-app", 5).consume(group, "classic");
            Await.until("load running", Duration.ofSeconds(60), () -> load.ackedCount() > 50 && !load.consumed(group).isEmpty());
            createReady(proxy, "around", topic, List.of(group));
            // A producer that talks to the source directly, as a forgotten application would.
            Thread rogue = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(source.bootstrapServers(), Map.of("linger.ms", 0))) {
                    int i = 0;
                    while (writingAround.get()) {
                        p.send(new ProducerRecord<>(topic, "rogue-" + i++)).get();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "rogue-producer");
            rogue.start();
            HttpResponse<String> aborted = proxy.send("POST", "/waves/around/switch", null, Map.of());
            writingAround.set(false);
            rogue.join(10_000);
            assertEquals(409, aborted.statusCode(), aborted.body());
            JsonNode body = json(aborted);
            System.out.println("WAVE-ABORT " + body.get("error").asText());
            assertTrue(body.get("error").asText().contains("around the proxy"), body.get("error").asText());
            assertEquals("READY", body.get("wave").get("state").asText(), "a failed switch returns to READY with its reason");
            assertTrue(body.get("wave").get("lastFailure").asText().contains("around the proxy"));
            assertEquals("aborted", body.get("wave").get("lastSwitch").get("outcome").asText());

            int afterAbort = load.ackedCount();
            Await.until("the clients go on writing to the source", Duration.ofSeconds(60), () -> load.ackedCount() > afterAbort + 50);
            load.stopProducing();
            assertNothingLostAndAllOnSource(load, source.bootstrapServers(), topic, List.of(group), target.bootstrapServers());
        }
    }

    @Test
    void aTargetThatIsDownRefusesTheSwitchAndNothingMoves(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("wave-down");
        String group = Clients.unique("down");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        EmbeddedKafkaCluster doomed = EmbeddedKafkaCluster.start("doomed-target", 1, Map.of());
        boolean closed = false;
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", doomed.bootstrapServers(),
                 topic, ".*", Map.of());
             RunningProxy proxy = proxyWithMirror(source, doomed, mm, Map.of("waves.admin-timeout", "3 seconds"));
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("down-app", 5).consume(group, "classic");
            Await.until("load running", Duration.ofSeconds(60), () -> load.ackedCount() > 50 && !load.consumed(group).isEmpty());
            createReady(proxy, "down", topic, List.of(group));
            mm.close();
            doomed.close();
            closed = true;
            HttpResponse<String> refused = proxy.send("POST", "/waves/down/switch", null, Map.of());
            assertTrue(refused.statusCode() == 503 || refused.statusCode() == 409, refused.statusCode() + " " + refused.body());
            System.out.println("WAVE-TARGET-DOWN " + json(refused).get("error").asText());
            assertTrue(json(refused).get("error").asText().contains("target"), refused.body());
            int after = load.ackedCount();
            Await.until("the clients go on writing to the source", Duration.ofSeconds(60), () -> load.ackedCount() > after + 50);
            load.stopProducing();
            assertNothingLostAndAllOnSource(load, source.bootstrapServers(), topic, List.of(group), null);
        } finally {
            if (!closed) {
                doomed.close();
            }
        }
    }

    /**
     * The target is cut off (every byte stopped, no socket closed: a network partition) just as the
     * switch has drained the wave's writes and holds them, about to check the target. The switch
     * must give up within its timeouts, let the held writes go to the source, and leave the clients
     * writing there while the target stays away; once it is back, the same wave switches, and every
     * acknowledged record ends up on the target once, in order.
     */
    @Test
    void aTargetCutOffWhileTheSwitchHoldsTheWritesAbortsItAndTheSwitchGoesThroughOnceItIsBack(EmbeddedKafkaCluster source)
        throws Exception {
        String topic = Clients.unique("wave-cut");
        String group = Clients.unique("cut");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        try (io.cutover.proxy.server.testkit.FaultRelay relay = io.cutover.proxy.server.testkit.FaultRelay.start();
             EmbeddedKafkaCluster target = EmbeddedKafkaCluster.start("cut-off-target", 1,
                 Map.of("advertised.listeners", "EXTERNAL://127.0.0.1:" + relay.port()))) {
            relay.forwardTo(target.bootstrapServers().split(",")[0]);
            try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", relay.address(), topic,
                     ".*", Map.of());
                 RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), relay.address(), Map.of(
                     "waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name(), "waves.max-ready-lag", 500,
                     "waves.admin-timeout", "3 seconds", "limits.upstream-request-timeout", "3 seconds"));
                 WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
                load.produce("cut-app", 5).consume(group, "classic");
                Await.until("load running", Duration.ofSeconds(60), () -> load.ackedCount() > 50 && !load.consumed(group).isEmpty());
                createReady(proxy, "cut", topic, List.of(group));

                AtomicBoolean cut = new AtomicBoolean();
                io.cutover.proxy.core.state.Failpoints.observe(point -> {
                    if (point.equals("switch.synced") && cut.compareAndSet(false, true)) {
                        relay.blackhole();
                    }
                });
                long started = System.nanoTime();
                HttpResponse<String> refused;
                try {
                    refused = proxy.send("POST", "/waves/cut/switch", null, Map.of());
                } finally {
                    io.cutover.proxy.core.state.Failpoints.observe(null);
                }
                long tookMs = (System.nanoTime() - started) / 1_000_000;
                assertTrue(cut.get(), "the target was cut off while the switch held the writes");
                assertTrue(refused.statusCode() == 503 || refused.statusCode() == 409, refused.statusCode() + " " + refused.body());
                System.out.println("WAVE-TARGET-CUT-OFF " + tookMs + " ms: " + json(refused).get("error").asText());
                assertTrue(tookMs < 60_000, "the switch gave up after " + tookMs + " ms");
                JsonNode wave = json(proxy.send("GET", "/waves/cut", null, Map.of()));
                assertTrue(!wave.get("state").asText().equals("SWITCHED"), wave.toString());

                int after = load.ackedCount();
                long crossed = relay.bytesForwarded();
                Await.until("the clients go on writing to the source while the target is cut off", Duration.ofSeconds(60),
                    () -> load.ackedCount() > after + 100);
                assertEquals(crossed, relay.bytesForwarded(), "nothing crossed to the target meanwhile");

                relay.restore();
                Await.until("wave cut READY again with the target back", Duration.ofSeconds(90),
                    () -> json(proxy.send("POST", "/waves/cut/check", null, Map.of())), w -> w.get("state").asText().equals("READY"));
                HttpResponse<String> switched = proxy.send("POST", "/waves/cut/switch", null, Map.of());
                assertEquals(200, switched.statusCode(), switched.body());
                assertEquals("SWITCHED", json(switched).get("state").asText());
                int atSwitch = load.ackedCount();
                Await.until("100 more records acknowledged after the switch", Duration.ofSeconds(60), () -> load.ackedCount() > atSwitch + 100);
                load.stopProducing();
                Await.until(group + " consumed every acknowledged record", Duration.ofSeconds(120), () -> load.consumedAll(group));
                assertNull(load.failure(), () -> "client failure: " + load.failure());

                Map<Integer, List<String>> targetLog = log(relay.address(), topic);
                Map<Integer, List<String>> acked = new java.util.HashMap<>();
                load.acked().forEach(a -> acked.computeIfAbsent(a.partition(), k -> new java.util.ArrayList<>()).add(a.value()));
                for (int p = 0; p < PARTITIONS; p++) {
                    List<String> tgt = targetLog.get(p);
                    assertEquals(new HashSet<>(tgt).size(), tgt.size(), "partition " + p + ": no record twice on the target");
                    assertEquals(new HashSet<>(acked.getOrDefault(p, List.of())), new HashSet<>(tgt),
                        "partition " + p + ": every acknowledged record, nothing else");
                    assertEquals(WaveSwitchTest.sortedBySequence(tgt), tgt, "partition " + p + ": in the order produced");
                }
            }
        }
    }

    static JsonNode gate(JsonNode gates, String name) {
        for (JsonNode g : gates) {
            if (g.get("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name + " in " + gates);
    }
}
