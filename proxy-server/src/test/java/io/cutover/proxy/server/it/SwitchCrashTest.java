package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.state.Failpoints;
import io.cutover.proxy.core.wave.FileSwitchJournal;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ProxyProcess;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proxy killed (kill -9 semantics: a failpoint halts its JVM) at every step of a wave switch and
 * of a rollback, then restarted on its state directory: the wave's state and the routes always
 * agree. A switch cut before its flip is undone, one cut after it is completed; the next write
 * through the proxy lands where the wave's state says, and no acknowledged record is lost.
 */
@ExtendWith(KafkaClusterExtension.class)
class SwitchCrashTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Crash points in step order; from routes-written on, the routes have flipped. */
    private static final List<String> POINTS =
        List.of("intent", "fenced", "synced", "groups-carried", "flipped", "routes-written", "released", "wave-saved");
    private static final Set<String> AFTER_FLIP = Set.of("routes-written", "released", "wave-saved");

    @Test
    @org.junit.jupiter.api.Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES) // 16 kills and restarts of a JVM
    void aCrashAtAnyStepOfASwitchOrRollbackLeavesRoutesAndWaveInAgreement(EmbeddedKafkaCluster source,
                                                                         @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("crash-orders");
        String group = Clients.unique("crash-app");
        String wave = "crash";
        java.nio.file.Path failpoints = Files.createTempFile("cutover-failpoints", ".txt");
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(),
                 Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name(), "waves.max-ready-lag", 500),
                 Map.of("cutover.failpoints.file", failpoints.toString()))) {
            // A group with committed offsets on the source, so the switch has offsets to carry.
            try (Admin admin = Clients.admin(source.bootstrapServers())) {
                admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(0))).all()
                    .get(30, TimeUnit.SECONDS);
            }
            assertEquals(201, proxy.send("POST", "/waves",
                "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"],\"groups\":[\"" + group + "\"]}").statusCode());

            Set<String> acked = new ConcurrentSkipListSet<>();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger failedSends = new AtomicInteger();
            Thread writer = new Thread(() -> produce(proxy.bootstrapServers(), topic, acked, failedSends, stop), "crash-writer");
            writer.start();
            try {
                List<String> outcomes = new ArrayList<>();
                for (String point : POINTS) {
                    awaitReady(proxy, wave);
                    boolean switched = crashAt(proxy, failpoints, "switch." + point, "/waves/" + wave + "/switch", null);
                    assertEquals(AFTER_FLIP.contains(point), switched, "switch cut at " + point);
                    outcomes.add("switch." + point + " -> " + (switched ? "completed" : "undone"));
                    assertAgreement(proxy, source, wave, topic, switched ? "target" : "source", "switch." + point);
                    if (!switched) {
                        HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/switch", null);
                        assertEquals(200, r.statusCode(), "a switch after an undone one goes through: " + r.body());
                    }
                    assertTrue(committedOn(target, group, topic), "the switch carried " + group + "'s offsets to the target");

                    boolean rolledBack = crashAt(proxy, failpoints, "rollback." + point, "/waves/" + wave + "/rollback", "{\"force\":true}");
                    assertEquals(AFTER_FLIP.contains(point), rolledBack, "rollback cut at " + point);
                    outcomes.add("rollback." + point + " -> " + (rolledBack ? "completed" : "undone"));
                    assertAgreement(proxy, source, wave, topic, rolledBack ? "source" : "target", "rollback." + point);
                    if (!rolledBack) {
                        HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/rollback", "{\"force\":true}");
                        assertEquals(200, r.statusCode(), "a rollback after an undone one goes through: " + r.body());
                    }
                }
                System.out.println("SWITCH-CRASH " + String.join("; ", outcomes));
            } finally {
                stop.set(true);
                writer.join(60_000);
            }
            assertFalse(acked.isEmpty(), "the writer had records acknowledged");
            // Every acknowledged record is on a cluster: the source, or the target for what was written while switched.
            Set<String> stored = new java.util.HashSet<>();
            for (EmbeddedKafkaCluster cluster : List.of(source, target)) {
                for (Map.Entry<Integer, List<String>> p : WaveSwitchTest.log(cluster.bootstrapServers(), topic).entrySet()) {
                    List<String> values = p.getValue().stream().filter(v -> v.startsWith("v")).toList();
                    // The idempotent writer's retries after each kill reach the broker under the producer id
                    // of their first attempt, so nothing is written twice.
                    assertEquals(new java.util.HashSet<>(values).size(), values.size(),
                        cluster.name() + " " + topic + "-" + p.getKey() + ": a record written twice");
                    stored.addAll(values);
                }
            }
            List<String> lost = acked.stream().filter(v -> !stored.contains(v)).toList();
            assertTrue(lost.isEmpty(), lost.size() + " acknowledged records are on neither cluster: " + lost.subList(0, Math.min(10, lost.size())));
            System.out.println("SWITCH-CRASH acknowledged " + acked.size() + " records, failed sends " + failedSends.get()
                + ", lost 0, written twice 0");
        }
    }

    @Test
    void aSwitchWhoseWaveStateCannotBeSavedAfterTheFlipIsCompletedAtTheNextStart(EmbeddedKafkaCluster source,
                                                                                @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("unwritable-orders");
        String wave = "unwritable";
        try (EmbeddedMirrorMaker mm = WaveSwitchTest.mirrored(source, target, topic);
             ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), target.bootstrapServers(),
                 Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name(), "waves.max-ready-lag", 500))) {
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}").statusCode());
            awaitReady(proxy, wave);
            // waves.json turns into a non-empty directory: the rename that would replace it fails, as
            // on a full or broken disk, while the routes (another file) are still written.
            java.nio.file.Path waves = proxy.stateDir().resolve("waves.json");
            byte[] saved = Files.readAllBytes(waves);
            Files.delete(waves);
            Files.createDirectories(waves.resolve("blocker"));

            HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/switch", null);
            assertEquals(500, r.statusCode(), r.body());
            assertTrue(r.body().contains("went through"), r.body());
            assertEquals("SWITCHED", json(proxy.send("GET", "/waves/" + wave, null)).get("state").asText(),
                "the running proxy's wave follows its routes");
            JsonNode journal = lastLine(proxy);
            assertEquals("released", journal.path("inProgress").path("step").asText(), "the journal stays open: " + journal);

            proxy.kill();
            Files.delete(waves.resolve("blocker"));
            Files.delete(waves);
            Files.write(waves, saved); // the disk is mended; the file still says READY
            proxy.restart();
            assertAgreement(proxy, source, wave, topic, "target", "switch.unwritable");
            JsonNode w = json(proxy.send("GET", "/waves/" + wave, null));
            assertTrue(w.get("lastSwitch").get("completedAtStart").asBoolean(), w.toString());
        }
    }

    /**
     * Arms {@code failpoint} in the running proxy, asks for the switch or rollback, sees the proxy
     * die at that point, restarts it, and returns whether the wave ended on the other side.
     */
    private static boolean crashAt(ProxyProcess proxy, java.nio.file.Path failpoints, String failpoint, String path, String body)
        throws Exception {
        String before = state(proxy, path);
        Files.writeString(failpoints, failpoint);
        try {
            HttpResponse<String> r = proxy.send("POST", path, body);
            throw new AssertionError("the proxy answered " + r.statusCode() + " instead of halting at " + failpoint + ": " + r.body());
        } catch (UncheckedIOException expected) {
            // the connection died with the process
        }
        assertEquals(Failpoints.EXIT_STATUS, proxy.awaitExit(Duration.ofSeconds(30)), "halted at " + failpoint);
        Files.writeString(failpoints, "");
        proxy.restart();
        String after = state(proxy, path);
        return !after.equals(before);
    }

    private static String state(ProxyProcess proxy, String wavePath) {
        String wave = wavePath.split("/")[2];
        return json(proxy.send("GET", "/waves/" + wave, null)).get("state").asText();
    }

    /** The wave's state, its routes and where a new write lands all say {@code cluster}; the journal is closed. */
    private static void assertAgreement(ProxyProcess proxy, EmbeddedKafkaCluster source, String wave, String topic, String cluster,
                                        String point) throws Exception {
        JsonNode w = json(proxy.send("GET", "/waves/" + wave, null));
        String state = w.get("state").asText();
        if (cluster.equals("target")) {
            assertEquals("SWITCHED", state, point + ": " + w);
        } else {
            assertTrue(Set.of("READY", "ROLLED_BACK", "PLANNED").contains(state), point + ": wave on the source is " + state);
        }
        JsonNode routes = json(proxy.send("GET", "/routes", null));
        String routed = routes.path("defaultCluster").asText("source");
        for (JsonNode rule : routes.path("rules")) {
            if (rule.path("resource").asText().equals("topic") && rule.path("pattern").asText().equals(topic)) {
                routed = rule.path("cluster").asText();
            }
        }
        assertEquals(cluster, routed, point + ": routes " + routes);
        JsonNode journal = lastLine(proxy);
        assertTrue(journal.has("last"), point + ": journal still open: " + journal);
        assertEquals(point.split("\\.")[0], journal.path("last").path("operation").asText(), point + ": " + journal);

        // A marker written through the proxy now lands where the wave says.
        String marker = "marker-" + point;
        try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(),
            Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000))) {
            p.send(new ProducerRecord<>(topic, 0, "m", marker)).get(60, TimeUnit.SECONDS);
        }
        boolean onSource = WaveSwitchTest.log(source.bootstrapServers(), topic).get(0).contains(marker);
        assertEquals(cluster.equals("source"), onSource, point + ": marker on the source? " + onSource);
    }

    private static JsonNode lastLine(ProxyProcess proxy) throws Exception {
        List<String> lines = Files.readAllLines(proxy.stateDir().resolve(FileSwitchJournal.FILE_NAME));
        return JSON.readTree(lines.get(lines.size() - 1));
    }

    private static boolean committedOn(EmbeddedKafkaCluster cluster, String group, String topic) throws Exception {
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS);
            return offsets.keySet().stream().anyMatch(tp -> tp.topic().equals(topic));
        }
    }

    private static void awaitReady(ProxyProcess proxy, String wave) {
        Await.until("wave " + wave + " READY", Duration.ofSeconds(90),
            () -> json(proxy.send("POST", "/waves/" + wave + "/check", null)),
            w -> w.get("state").asText().equals("READY"));
    }

    /** An idempotent producer through the proxy, across every kill; records what was acknowledged. */
    private static void produce(String bootstrap, String topic, Set<String> acked, AtomicInteger failed, AtomicBoolean stop) {
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap, Map.of(ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
            ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500))) {
            for (int i = 0; !stop.get(); i++) {
                String value = "v" + i;
                p.send(new ProducerRecord<>(topic, value, value), (md, e) -> {
                    if (e == null) {
                        acked.add(value);
                    } else {
                        failed.incrementAndGet();
                    }
                });
                try {
                    Thread.sleep(10); // the pace of the load, not a synchronisation
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            p.flush();
        }
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }
}
