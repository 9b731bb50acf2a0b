package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.FaultRelay;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.MirrorMakerProcess;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 13's cut-off scenario with the instances as separate processes: three proxies in front of a
 * source and a target (the state cluster) with MirrorMaker 2 as a process of its own. Instance c
 * reaches the target only through a fault relay (a second listener of the target's broker, advertised
 * behind the relay), so blackholing the relay cuts c, and only c, off from the state topic. Once its
 * lease runs out c holds the wave's writes itself; a switch through a waits c's lease out and flips
 * without it; when c is back it reads the flip first, so its held writes land on the target and not
 * one reaches the source after the flip.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetCutOffProcessTest {
    private static final int PARTITIONS = WaveSwitchTest.PARTITIONS;

    @Test
    @Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
    void anInstanceProcessCutOffFromTheStateClusterWritesNothingToTheSourceAfterAFlipItDidNotSee(EmbeddedKafkaCluster source)
        throws Exception {
        String stateTopic = Clients.unique("fleet-cut-proc-state");
        String topic = Clients.unique("fleet-cut-proc");
        String wave = "cut";
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1));
        }
        List<ProxyProcess> fleet = new ArrayList<>();
        try (FaultRelay relay = FaultRelay.start();
             EmbeddedKafkaCluster target = FleetWaveSwitchTest.behind(relay, "cut-proc-target")) {
            try (MirrorMakerProcess mm = MirrorMakerProcess.start(source.bootstrapServers(), target.bootstrapServers(), topic + ".*")) {
                for (String id : List.of("a", "b", "c")) {
                    Map<String, Object> o = new HashMap<>(FleetWaveSwitchTest.fleet(stateTopic, id, Map.of("fleet.state-cluster", "target")));
                    o.put("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic());
                    o.put("waves.max-ready-lag", 500);
                    fleet.add(ProxyProcess.start(source.bootstrapServers(), id.equals("c") ? relay.address() : target.bootstrapServers(), o));
                }
                ProxyProcess a = fleet.get(0);
                ProxyProcess c = fleet.get(2);
                try (WaveWorkload loadA = new WaveWorkload(a.bootstrapServers(), topic);
                     WaveWorkload loadC = new WaveWorkload(c.bootstrapServers(), topic)) {
                    loadA.produce("app-a", 5);
                    loadC.produce("app-c", 5);
                    Await.until("traffic through a and c, and three instances live", Duration.ofSeconds(90), () -> loadA.ackedCount() > 100
                        && loadC.ackedCount() > 100 && live(a) == 3);
                    assertTrue(relay.connections() > 0, "c reaches the target through the relay");
                    assertEquals(201, a.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}").statusCode());
                    Await.until("wave " + wave + " READY", Duration.ofSeconds(90),
                        () -> json(a.send("POST", "/waves/" + wave + "/check", null)).path("state").asText().equals("READY"));
                    Await.until("c knows the wave", Duration.ofSeconds(30), () -> c.send("GET", "/waves/" + wave, null).statusCode() == 200);

                    // c loses the state cluster (and its data path to the target); its path to the source stays.
                    relay.blackhole();
                    Await.until("c holds the wave's writes: its lease ran out", Duration.ofSeconds(30),
                        () -> metric(c, "cutover_proxy_fleet_lease_holding") == 1);
                    Await.until("a lists c as not live", Duration.ofSeconds(30), () -> live(a) == 2);
                    int cAckedWhileCut = loadC.ackedCount();

                    HttpResponse<String> switched = a.send("POST", "/waves/" + wave + "/switch", null);
                    assertEquals(200, switched.statusCode(), switched.body());
                    JsonNode report = json(switched).get("lastSwitch");
                    System.out.println("FLEET-CUT-PROC " + report);
                    assertTrue(report.path("fleet").path("silentInstances").toString().contains("\"c\""), report.toString());
                    assertTrue(report.path("fleet").path("heldAfterMs").has("b"), "b, which was live, held the writes: " + report);
                    Map<TopicPartition, Long> syncedThrough = FleetWaveSwitchTest.syncedThrough(report, topic);
                    assertEquals(cAckedWhileCut, loadC.ackedCount(), "c's writes to the wave's topic stayed held through the switch");

                    relay.restore();
                    Await.until("c's held writes go on, now to the target", Duration.ofSeconds(90),
                        () -> loadC.ackedCount() > cAckedWhileCut + 100);
                    Await.until("c agrees the wave is switched", Duration.ofSeconds(30),
                        () -> json(c.send("GET", "/waves/" + wave, null)).path("state").asText().equals("SWITCHED"));
                    loadA.stopProducing();
                    loadC.stopProducing();
                    assertNull(loadA.failure(), () -> "client failure through a: " + loadA.failure());
                    assertNull(loadC.failure(), () -> "client failure through c: " + loadC.failure());
                    assertEquals(syncedThrough, FleetWaveSwitchTest.sourceEnds(source, topic), "nothing reached the source after the flip");
                    FleetWaveSwitchTest.assertEveryAcknowledgedRecordOnceInOrder(source, target, topic, List.of(loadA, loadC),
                        List.of("app-a", "app-c"));
                    System.out.println("FLEET-CUT-PROC acknowledged " + loadA.ackedCount() + " through a, " + loadC.ackedCount()
                        + " through c (" + cAckedWhileCut + " before the cut); lost 0, twice 0, out of order 0");
                }
            } catch (AssertionError | RuntimeException e) {
                StringBuilder tails = new StringBuilder(e.getMessage() == null ? "" : e.getMessage());
                for (ProxyProcess p : fleet) {
                    tails.append("\n--- ").append(p.bootstrapServers()).append(":\n").append(p.tail(30));
                }
                throw new AssertionError(tails.toString(), e);
            } finally {
                fleet.forEach(ProxyProcess::close);
            }
        }
    }

    private static int live(ProxyProcess p) {
        try {
            return json(p.send("GET", "/fleet", null)).path("live").asInt();
        } catch (UncheckedIOException e) {
            return -1;
        }
    }

    /** A Prometheus sample from the process's /metrics (the sum over its series). */
    private static double metric(ProxyProcess p, String name) {
        double sum = 0;
        for (String line : p.send("GET", "/metrics", null).body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
