package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ReplayRun;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Captures replayed with {@code cutover-proxy replay} against real brokers, through the proxy and directly. */
@ExtendWith(KafkaClusterExtension.class)
class ReplayTest {
    private static final int RECORDS = 300;

    /** Captures an idempotent producer and a consumer group on {@code topic} through the proxy; returns the file. */
    private static Path captureWorkload(RunningProxy proxy, Admin admin, String topic, String name) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        var start = proxy.send("POST", "/captures", "{\"name\":\"" + name + "\"}", Map.of());
        assertEquals(201, start.statusCode(), start.body());
        try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(),
            Map.of("acks", "all", "enable.idempotence", "true"))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + (i % 7), "value-" + i));
            }
            producer.flush();
        }
        try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("replayed"), Map.of())) {
            consumer.subscribe(List.of(topic));
            int[] seen = {0};
            Await.until("the workload's records consumed", Duration.ofSeconds(60), () -> {
                seen[0] += consumer.poll(Duration.ofMillis(200)).count();
                return seen[0] >= RECORDS;
            });
            consumer.commitSync();
        }
        var stop = proxy.send("POST", "/captures/" + name + "/stop", null, Map.of());
        assertEquals(200, stop.statusCode(), stop.body());
        return Path.of(new ObjectMapper().readTree(stop.body()).get("file").asText());
    }

    private static List<String> valuesIn(String bootstrap, String topic, int partitions) {
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            long end = c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
            List<String> values = new ArrayList<>();
            Await.until("all " + end + " records of " + topic + " read", Duration.ofSeconds(30), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    values.add(r.partition() + ":" + r.value());
                }
                return values.size() >= end;
            });
            // Order matters within a partition only; polls interleave partitions arbitrarily.
            values.sort(java.util.Comparator.comparing(v -> v.substring(0, v.indexOf(':'))));
            return values;
        }
    }

    @Test
    void aCaptureReplaysThroughTheProxyIntoAScratchTopicWithFreshProducerIdsAndSequences(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("replay-src");
        String scratch = Clients.unique("replay-scratch");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Path file = captureWorkload(proxy, admin, topic, "workload");
            admin.createTopics(List.of(new NewTopic(scratch, 2, (short) 1))).all().get();

            ReplayRun run = ReplayRun.of(file.toString(), "--bootstrap", proxy.bootstrapServers(), "--speed", "max",
                "--topic-map", topic + "=" + scratch, "--json", "--progress", "0");
            assertEquals(0, run.exitCode(), run.err());
            JsonNode produce = run.api("Produce");
            assertNotNull(produce, run.out());
            assertTrue(produce.get("sent").asLong() > 0);
            assertEquals(produce.get("sent").asLong(), produce.get("responses").asLong(), "every replayed produce was answered");
            assertEquals(0, produce.get("errors").size(), "no produce error: " + produce);
            assertTrue(produce.get("latencyMs").get("p99").asDouble() > 0, produce.toString());
            assertNotNull(run.api("Fetch"), "the consumer's fetches were replayed");
            assertNotNull(run.api("JoinGroup"), "group traffic was replayed");
            assertTrue(run.json().get("skipped").has("InitProducerId (not re-enacted)"), run.out());

            // The scratch topic holds the captured records, each once, in the captured order per partition.
            List<String> original = valuesIn(cluster.bootstrapServers(), topic, 2);
            List<String> replayed = valuesIn(cluster.bootstrapServers(), scratch, 2);
            assertEquals(RECORDS, original.size());
            assertEquals(original, replayed, "the replay wrote the captured records, once each, in order per partition");
            assertEquals(RECORDS, valuesIn(cluster.bootstrapServers(), topic, 2).size(), "the original topic was not written to");
        }
    }

    @Test
    void aCaptureReplaysDirectlyAgainstTheClusterWithTheCapturedPacingAndAsText(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("replay-direct");
        String scratch = Clients.unique("replay-direct-scratch");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Path file = captureWorkload(proxy, admin, topic, "direct");
            admin.createTopics(List.of(new NewTopic(scratch, 2, (short) 1))).all().get();
            ReplayRun run = ReplayRun.of(file.toString(), "--bootstrap", cluster.bootstrapServers().split(",")[0],
                "--topic-map", topic + "=" + scratch, "--speed", "2", "--progress", "0");
            assertEquals(0, run.exitCode(), run.err());
            assertTrue(run.out().contains("Produce") && run.out().contains("p99 ms"), run.out());
            assertEquals(RECORDS, valuesIn(cluster.bootstrapServers(), scratch, 2).size(), run.out() + run.err());
        }
    }

    @Test
    void aTruncatedCaptureIsReplayedUpToTheDamageAndTheErrorNamesTheOffset(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("replay-cut");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Path file = captureWorkload(proxy, admin, topic, "cut");
            Path cut = Files.createTempFile("cut", ".pcapng");
            Files.copy(file, cut, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long size = Files.size(cut);
            try (FileChannel ch = FileChannel.open(cut, StandardOpenOption.WRITE)) {
                ch.truncate(size / 2 + 3); // mid-block
            }
            ReplayRun run = ReplayRun.of(cut.toString(), "--bootstrap", proxy.bootstrapServers(), "--speed", "max",
                "--topic-map", topic + "=" + topic + "-copy", "--json", "--progress", "0");
            assertEquals(1, run.exitCode(), run.out() + run.err());
            assertTrue(run.err().contains("offset"), "the error names the offset: " + run.err());
            assertTrue(run.json().get("captureError").asText().contains("offset"), run.out());

            Path garbage = Files.createTempFile("garbage", ".pcap");
            Files.writeString(garbage, "this is not a capture at all", StandardCharsets.UTF_8);
            ReplayRun bad = ReplayRun.of(garbage.toString(), "--bootstrap", proxy.bootstrapServers());
            assertEquals(1, bad.exitCode());
            assertTrue(bad.err().contains("offset 0"), bad.err());

            ReplayRun usage = ReplayRun.of(garbage.toString(), "--speed", "fast");
            assertEquals(2, usage.exitCode());
        }
    }

    @Test
    void aTcpdumpCaptureOfClientsTalkingToTheBrokerDirectlyIsReassembledAndReplayed(EmbeddedKafkaCluster cluster) throws Exception {
        boolean tcpdump = new java.io.File("/usr/bin/tcpdump").canExecute() || new java.io.File("/usr/sbin/tcpdump").canExecute();
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(tcpdump, "tcpdump not installed");
        }
        String exe = new java.io.File("/usr/bin/tcpdump").canExecute() ? "/usr/bin/tcpdump" : "/usr/sbin/tcpdump";
        String topic = Clients.unique("tcpdump-src");
        String scratch = Clients.unique("tcpdump-scratch");
        String broker = cluster.bootstrapServers().split(",")[0];
        int port = Integer.parseInt(broker.substring(broker.lastIndexOf(':') + 1));
        Path file = Files.createTempDirectory("tcpdump").resolve("capture.pcap");
        Files.setPosixFilePermissions(file.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String tcpdumpSaid = "";
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1), new NewTopic(scratch, 1, (short) 1))).all().get();
            Path log = file.resolveSibling("tcpdump.log");
            Process p = new ProcessBuilder(exe, "-i", "lo", "--immediate-mode", "-U", "-s", "0", "-w", file.toString(), "tcp port " + port)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                Await.until("tcpdump listening", Duration.ofSeconds(20), () -> logText(log).contains("listening on") || !p.isAlive());
                Assumptions.assumeTrue(p.isAlive(), "tcpdump cannot capture here: " + logText(log));
                try (KafkaProducer<String, String> producer = Clients.producer(broker, Map.of("acks", "all"))) {
                    for (int i = 0; i < 100; i++) {
                        producer.send(new ProducerRecord<>(topic, "tcpdump-" + i)).get(30, TimeUnit.SECONDS);
                    }
                }
                // Each of the 100 requests and responses is in the file before tcpdump is stopped.
                Await.until("tcpdump wrote the traffic", Duration.ofSeconds(20), () -> fileSize(file) > 100 * 150);
            } finally {
                p.destroy(); // SIGTERM: tcpdump writes what it holds and exits
                p.waitFor(20, TimeUnit.SECONDS);
                tcpdumpSaid = logText(log);
            }
        }
        ReplayRun run = ReplayRun.of(file.toString(), "--bootstrap", broker, "--port", String.valueOf(port), "--speed", "max",
            "--topic-map", topic + "=" + scratch, "--json", "--progress", "0");
        assertEquals(0, run.exitCode(), run.err() + run.out());
        JsonNode produce = run.api("Produce");
        assertNotNull(produce, run.out() + run.err() + "\ntcpdump: " + tcpdumpSaid);
        assertEquals(100, produce.get("sent").asLong(), "each acks=all send was one Produce request");
        assertEquals(0, produce.get("errors").size(), produce.toString());
        assertEquals(100, valuesIn(broker, scratch, 1).size());
    }

    private static long fileSize(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String logText(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }
}
