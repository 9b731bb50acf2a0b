package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ReplayRun;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The replay-based soak: a mixed workload (produce, fetch, group traffic) captured through the
 * routing proxy, replayed at 2x through it while the replayed topic's route flips; the report's
 * errors by code are printed (SOAK-REPORT) and must be only those a flip is meant to cause.
 */
@ExtendWith(KafkaClusterExtension.class)
class SoakReplayTest {
    /**
     * What a moving route answers a client still on the old cluster, and what a group answers a
     * replayed member it never met (MEMBER_ID_REQUIRED, UNKNOWN_MEMBER_ID); anything else is a failure.
     */
    private static final Set<String> FLIP_ERRORS = Set.of("MEMBER_ID_REQUIRED", "NOT_LEADER_OR_FOLLOWER", "NOT_COORDINATOR", "UNKNOWN_MEMBER_ID",
        "REBALANCE_IN_PROGRESS", "ILLEGAL_GENERATION", "FENCED_INSTANCE_ID", "UNKNOWN_TOPIC_OR_PARTITION", "OFFSET_OUT_OF_RANGE",
        "FENCED_MEMBER_EPOCH", "GROUP_ID_NOT_FOUND", "COORDINATOR_NOT_AVAILABLE");

    @Test
    void replayAtTwiceTheCapturedPaceWhileTheRouteFlipsReportsOnlyFlipErrors(EmbeddedKafkaCluster source,
                                                                          @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("soak");
        String scratch = Clients.unique("soak-replayed");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of());
             Admin sourceAdmin = Clients.admin(source.bootstrapServers());
             Admin targetAdmin = Clients.admin(target.bootstrapServers())) {
            for (Admin a : List.of(sourceAdmin, targetAdmin)) {
                a.createTopics(List.of(new NewTopic(topic, 2, (short) 1), new NewTopic(scratch, 2, (short) 1))).all().get();
            }
            var start = proxy.send("POST", "/captures", "{\"name\":\"soak\"}", Map.of());
            assertEquals(201, start.statusCode(), start.body());
            // About four seconds of paced traffic: an idempotent producer and a consumer group.
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of("acks", "all"));
                 KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("soak"), Map.of())) {
                consumer.subscribe(List.of(topic));
                int consumed = 0;
                for (int i = 0; i < 400; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "soak-" + i));
                    if (i % 20 == 0) {
                        consumed += consumer.poll(Duration.ofMillis(200)).count();
                        consumer.commitAsync();
                    } else {
                        producer.flush();
                        Thread.sleep(5); // the captured workload's own pacing, not synchronisation
                    }
                }
                producer.flush();
                int[] total = {consumed};
                Await.until("the workload's records consumed", Duration.ofSeconds(60), () -> {
                    total[0] += consumer.poll(Duration.ofMillis(200)).count();
                    return total[0] >= 400;
                });
                consumer.commitSync();
            }
            var stop = proxy.send("POST", "/captures/soak/stop", null, Map.of());
            assertEquals(200, stop.statusCode(), stop.body());
            Path file = Path.of(new ObjectMapper().readTree(stop.body()).get("file").asText());

            CompletableFuture<ReplayRun> replay = CompletableFuture.supplyAsync(() -> ReplayRun.of(file.toString(),
                "--bootstrap", proxy.bootstrapServers(), "--speed", "2", "--topic-map", topic + "=" + scratch, "--json",
                "--progress", "0"));
            List<TopicPartition> tps = List.of(new TopicPartition(scratch, 0), new TopicPartition(scratch, 1));
            Await.until("the replay is under way on the source", Duration.ofSeconds(60),
                () -> endOffsets(sourceAdmin, tps) >= 100 || replay.isDone());
            proxy.flipTopic(scratch, "target");
            ReplayRun run = replay.get(120, TimeUnit.SECONDS);
            System.out.println("SOAK-REPORT\n" + run.out());
            assertEquals(0, run.exitCode(), run.err());
            JsonNode report = run.json();
            assertEquals(0, report.get("connectionFailures").asLong(), run.out());
            for (JsonNode api : report.get("apis")) {
                assertEquals(0, api.get("unanswered").asLong(), "every replayed request was answered: " + api);
                api.get("errors").fieldNames().forEachRemaining(code ->
                    assertTrue(FLIP_ERRORS.contains(code), "unexpected " + code + " for " + api.get("api").asText() + ": " + api));
            }
            JsonNode produce = run.api("Produce");
            assertNotNull(produce);
            assertTrue(produce.get("errors").has("NOT_LEADER_OR_FOLLOWER"),
                "the flip happened during the replay and moved its partitions: " + produce);
            assertTrue(endOffsets(sourceAdmin, tps) >= 100, "the replay wrote to the source before the flip");
        }
    }

    private static long endOffsets(Admin admin, List<TopicPartition> tps) {
        try {
            Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> spec = new java.util.HashMap<>();
            tps.forEach(tp -> spec.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
            return admin.listOffsets(spec).all().get().values().stream().mapToLong(r -> r.offset()).sum();
        } catch (Exception e) {
            return -1;
        }
    }
}
