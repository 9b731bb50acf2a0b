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
            assertEquals(10, card.get("gates").size());
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

    static JsonNode gate(JsonNode gates, String name) {
        for (JsonNode g : gates) {
            if (g.get("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name + " in " + gates);
    }
}
