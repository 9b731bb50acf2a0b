package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.testing.SmallDisk;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proxy's state directory on a disk that fills up under traffic (a tmpfs the test fills to the
 * last byte: as root, no file permission would stop the proxy, and a full disk is how state really
 * becomes unwritable). A switch is refused before it moves anything and the producer goes on; once
 * there is room the switch goes through. A producer that needs new mappings on the target while the
 * disk is full waits for them; the proxy is then killed (kill -9) with the disk still full, starts
 * again once there is room, and no acknowledged record is lost, written twice or out of order.
 */
@ExtendWith(KafkaClusterExtension.class)
class StateDiskFullTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Topics the late producer writes: enough long-named placements to outgrow the room left in the journal's last block. */
    private static final int LATE_TOPICS = 20;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aFullStateDiskRefusesTheSwitchAndHoldsNewMappingsAndAKillThenLosesAndRepeatsNothing(EmbeddedKafkaCluster source,
                                                                                          @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        Assumptions.assumeTrue(SmallDisk.available(), () -> "needs a tmpfs mount: " + SmallDisk.unavailableBecause());
        String prefix = Clients.unique("full-disk");
        String orders = prefix + "-orders";
        List<String> late = new ArrayList<>();
        for (int i = 0; i < LATE_TOPICS; i++) {
            late.add(prefix + "-" + "l".repeat(180) + i);
        }
        List<String> all = new ArrayList<>(late);
        all.add(orders);
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, all.stream().map(t -> new NewTopic(t, WaveSwitchTest.PARTITIONS, (short) 1)).toArray(NewTopic[]::new));
        }
        try (SmallDisk disk = SmallDisk.mount(32L << 20);
             EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 prefix + "-.*", ".*", Map.of());
             ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(),
                 Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name(), "waves.max-ready-lag", 500,
                     "state-dir", disk.dir().resolve("state").toString()));
             SoakTest.SequencedProducer writer = new SoakTest.SequencedProducer(proxy.bootstrapServers(), "idem-first", List.of(orders), 5)) {
            HttpResponse<String> created = proxy.send("POST", "/waves", "{\"name\":\"full\",\"topics\":" + WaveSwitchTest.toJson(all) + "}");
            assertEquals(201, created.statusCode(), created.body());
            awaitReady(proxy);
            Await.until("the producer writes through the proxy", Duration.ofSeconds(60), () -> writer.ackedCount() > 50);

            // The disk fills: the switch cannot write its journal's intent, so it must not start.
            disk.fill();
            HttpResponse<String> refused = proxy.send("POST", "/waves/full/switch", null);
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.body().contains("nothing moved") && refused.body().contains("No space left on device"), refused.body());
            assertEquals("source", route(proxy, orders), "the routes did not move");
            HttpResponse<String> flip = proxy.send("POST", "/routes/flip",
                "{\"resource\":\"topic\",\"pattern\":\"" + prefix + "-unread\",\"cluster\":\"target\"}");
            System.out.println("STATE-DISK-FULL flip while full: " + flip.statusCode() + " " + flip.body());
            assertEquals(503, flip.statusCode(), flip.body());
            assertTrue(flip.body().contains("not stored") && flip.body().contains("No space left on device"), flip.body());
            assertEquals(0, json(proxy.send("GET", "/routes", null)).path("rules").size(), "no rule was added");
            int ackedWhileFull = writer.ackedCount();
            Await.until("the producer goes on while the disk is full", Duration.ofSeconds(60),
                () -> writer.ackedCount() > ackedWhileFull + 100 || writer.failure() != null);
            assertNull(writer.failure(), () -> "the producer failed: " + writer.failure());

            disk.free();
            awaitReady(proxy);
            HttpResponse<String> switched = proxy.send("POST", "/waves/full/switch", null);
            assertEquals(200, switched.statusCode(), switched.body());
            assertEquals("target", route(proxy, orders));
            int ackedSwitched = writer.ackedCount();
            Await.until("the producer writes to the target", Duration.ofSeconds(60), () -> writer.ackedCount() > ackedSwitched + 100);

            // Full again: a new producer's mappings on the target cannot all be saved, and the batches
            // of those that cannot wait. The proxy dies then, with the disk still full.
            disk.fill();
            try (SoakTest.SequencedProducer lateWriter = new SoakTest.SequencedProducer(proxy.bootstrapServers(), "idem-late", late, 5)) {
                Await.until("a mapping refused for want of room", Duration.ofSeconds(60),
                    () -> proxy.tail(2000).contains("cannot save the producer id mapping"));
                int lateBeforeKill = lateWriter.ackedCount();
                proxy.kill();
                disk.free();
                proxy.restart();
                Await.until("both producers write again after the restart, the late one on every topic", Duration.ofSeconds(120),
                    () -> writer.ackedCount() > ackedSwitched + 300 && lateWriter.ackedCount() > lateBeforeKill + 100
                        && late.stream().allMatch(t -> !lateWriter.ackedKeys(t).isEmpty())
                        || writer.failure() != null || lateWriter.failure() != null);
                writer.stop();
                lateWriter.stop();
                assertNull(writer.failure(), () -> "the producer failed: " + writer.failure());
                assertNull(lateWriter.failure(), () -> "the late producer failed: " + lateWriter.failure());

                SoakTest.Score score = new SoakTest.Score("idempotent");
                score.addLogs(writer.ackedKeys(orders), SoakTest.log(source, orders, false), SoakTest.log(target, orders, false));
                for (String t : late) {
                    score.addLogs(lateWriter.ackedKeys(t), SoakTest.log(source, t, false), SoakTest.log(target, t, false));
                }
                System.out.println("STATE-DISK-FULL acknowledged " + score.acknowledged + ", lost " + score.lost + ", twice " + score.duplicates
                    + ", out of order " + score.reorderings + " " + score.examples);
                assertEquals(0, score.lost, "acknowledged records lost: " + score.examples);
                assertEquals(0, score.duplicates, "records written twice: " + score.examples);
                assertEquals(0, score.reorderings, "records out of order: " + score.examples);
            }
        }
    }

    private static void awaitReady(ProxyProcess proxy) {
        Await.until("wave full READY", Duration.ofSeconds(120),
            () -> json(proxy.send("POST", "/waves/full/check", null)), w -> w.path("state").asText().equals("READY"));
    }

    /** The cluster the route table sends {@code topic} to. */
    private static String route(ProxyProcess proxy, String topic) {
        JsonNode routes = json(proxy.send("GET", "/routes", null));
        for (JsonNode r : routes.path("rules")) {
            if (r.path("resource").asText().equals("topic") && r.path("pattern").asText().equals(topic)) {
                return r.path("cluster").asText();
            }
        }
        return routes.path("defaultCluster").asText();
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
