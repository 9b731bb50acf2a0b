package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.log;
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
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Rollback (refused, forced, and free when nothing was written), promote as the point of no return, persistence. */
@ExtendWith(KafkaClusterExtension.class)
class WaveRollbackTest {
    private static final int PARTITIONS = 3;

    @Test
    void switchThenRollbackUnderLoadAccountsForEveryRecord(EmbeddedKafkaCluster source,
                                                          @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("wave-rb");
        String classic = Clients.unique("rb-classic");
        String modern = Clients.unique("rb-848");
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("rb-app", 5).consume(classic, "classic").consume(modern, "consumer");
            Await.until("load running", Duration.ofSeconds(60), () -> load.ackedCount() > 100);
            createReady(proxy, "rb", topic, List.of(classic, modern));
            HttpResponse<String> switched = proxy.send("POST", "/waves/rb/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            assertTrue(json(switched).has("promoteWarning"), "the API names the point of no return before promote");
            int afterSwitch = load.ackedCount();
            Await.until("records acknowledged on the target", Duration.ofSeconds(60), () -> load.ackedCount() > afterSwitch + 100);

            // The target was written to and nothing replicates back: refused without force.
            HttpResponse<String> refused = proxy.send("POST", "/waves/rb/rollback", null, Map.of());
            assertEquals(409, refused.statusCode(), refused.body());
            assertTrue(json(refused).get("error").asText().contains("written to the target since the switch"), refused.body());
            assertEquals("SWITCHED", json(refused).get("wave").get("state").asText());

            HttpResponse<String> forced = proxy.send("POST", "/waves/rb/rollback", "{\"force\":true}", Map.of());
            assertEquals(200, forced.statusCode(), forced.body());
            JsonNode rolledBack = json(forced);
            assertEquals("ROLLED_BACK", rolledBack.get("state").asText());
            JsonNode report = rolledBack.get("lastSwitch");
            System.out.println("WAVE-ROLLBACK " + report);
            assertTrue(report.get("warning").asText().contains("not on the source"), report.toString());
            long leftOnTarget = report.get("recordsWrittenToTargetSinceSwitch").asLong();
            assertTrue(leftOnTarget > 0);

            int afterRollback = load.ackedCount();
            Await.until("records acknowledged on the source again", Duration.ofSeconds(60), () -> load.ackedCount() > afterRollback + 100);
            load.stopProducing();
            assertNull(load.failure(), () -> "client failure: " + load.failure());

            // Every acknowledged record is in exactly one place: the source, or the target's records
            // written while the wave was switched (what the rollback report counted).
            Map<Integer, List<String>> sourceLog = log(source.bootstrapServers(), topic);
            Map<Integer, List<String>> targetLog = log(target.bootstrapServers(), topic);
            Set<String> onSource = new HashSet<>();
            Set<String> onTargetOnly = new HashSet<>();
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> s = sourceLog.get(p);
                assertEquals(new HashSet<>(s).size(), s.size(), "partition " + p + ": no record twice on the source");
                assertEquals(sortedBySequence(s), s, "partition " + p + ": source in produced order");
                s.forEach(v -> onSource.add(v));
                List<String> t = targetLog.get(p);
                for (String v : t) {
                    if (!s.contains(v)) {
                        onTargetOnly.add(v);
                    }
                }
            }
            assertEquals(leftOnTarget, onTargetOnly.size(), "the rollback report counted the records left on the target");
            List<String> lost = new ArrayList<>();
            for (WaveWorkload.Acked a : load.acked()) {
                if (!onSource.contains(a.value()) && !onTargetOnly.contains(a.value())) {
                    lost.add(a.value());
                }
                assertTrue(!(onSource.contains(a.value()) && onTargetOnly.contains(a.value())), a.value() + " is in both places");
            }
            assertEquals(List.of(), lost, "acknowledged records found nowhere");

            // Back on the source, both groups read every acknowledged record that is there.
            for (String group : List.of(classic, modern)) {
                Await.until(group + " read every record on the source", Duration.ofSeconds(120), () -> {
                    Set<String> got = new HashSet<>();
                    load.consumed(group).forEach(v -> got.add(v.substring(v.indexOf(':') + 1)));
                    return got.containsAll(onSource);
                });
            }
        }
    }

    @Test
    void rollbackWithoutWritesIsFreeAndPromoteIsTheNoReturnPoint(EmbeddedKafkaCluster source,
                                                               @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("wave-quiet");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = Clients.producer(source.bootstrapServers(), Map.of())) {
            for (int i = 0; i < 30; i++) {
                p.send(new ProducerRecord<>(topic, "quiet-" + i));
            }
        }
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 topic, ".*", Map.of());
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            createReady(proxy, "quiet", topic, List.of());
            assertEquals(409, proxy.send("POST", "/waves/quiet/promote", null, Map.of()).statusCode(), "only a switched wave is promoted");
            assertEquals(200, proxy.send("POST", "/waves/quiet/switch", null, Map.of()).statusCode());
            HttpResponse<String> back = proxy.send("POST", "/waves/quiet/rollback", null, Map.of());
            assertEquals(200, back.statusCode(), "nothing was written to the target: no force needed. " + back.body());
            assertEquals("ROLLED_BACK", json(back).get("state").asText());
            assertEquals("source", json(proxy.send("GET", "/routes", null, Map.of())).get("rules").get(0).get("cluster").asText());

            assertEquals(409, proxy.send("POST", "/waves/quiet/switch", null, Map.of()).statusCode(), "checked again first");
            assertEquals("READY", json(proxy.send("POST", "/waves/quiet/check", null, Map.of())).get("state").asText());
            assertEquals(200, proxy.send("POST", "/waves/quiet/switch", null, Map.of()).statusCode());
            HttpResponse<String> promoted = proxy.send("POST", "/waves/quiet/promote", null, Map.of());
            assertEquals(200, promoted.statusCode());
            assertEquals("PROMOTED", json(promoted).get("state").asText());
            HttpResponse<String> noReturn = proxy.send("POST", "/waves/quiet/rollback", "{\"force\":true}", Map.of());
            assertEquals(409, noReturn.statusCode());
            assertTrue(json(noReturn).get("error").asText().contains("no return"), noReturn.body());

            // Every transition was written down and audited.
            String waves = Files.readString(proxy.stateDir().resolve("waves.json"));
            assertTrue(waves.contains("PROMOTED") && waves.contains("ROLLED_BACK"), waves);
            String audit = Files.readString(proxy.stateDir().resolve("audit.log"));
            for (String action : List.of("create-wave", "check-wave", "switch-wave", "rollback-wave", "promote-wave")) {
                assertTrue(audit.contains(action), action + " audited");
            }
        }
    }

    @Test
    void recordsWrittenToPartitionsOnlyTheTargetHasMakeTheRollbackRefusedWithoutForce(EmbeddedKafkaCluster source,
                                                                                      @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("wave-wider");
        // The target's copy of the topic has two partitions more than the source's (MM2 keeps a wider
        // existing topic as it is); a client on the target may write to them.
        try (Admin admin = Clients.admin(target.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS + 2, (short) 1));
        }
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            createReady(proxy, "wider", topic, List.of());
            HttpResponse<String> switched = proxy.send("POST", "/waves/wider/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>(topic, PARTITIONS + 1, "k", "only-on-target-" + i)).get();
                }
            }
            HttpResponse<String> refused = proxy.send("POST", "/waves/wider/rollback", null, Map.of());
            assertEquals(409, refused.statusCode(), "the records in partition " + (PARTITIONS + 1) + " count: " + refused.body());
            assertTrue(json(refused).get("error").asText().contains(topic + "-" + (PARTITIONS + 1) + ": 5 records"), refused.body());

            HttpResponse<String> forced = proxy.send("POST", "/waves/wider/rollback", "{\"force\":true}", Map.of());
            assertEquals(200, forced.statusCode(), forced.body());
            assertEquals(5, json(forced).get("lastSwitch").get("recordsWrittenToTargetSinceSwitch").asLong(), forced.body());
        }
    }
}
