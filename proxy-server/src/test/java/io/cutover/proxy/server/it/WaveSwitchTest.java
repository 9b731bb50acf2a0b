package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Waves against two real clusters with a real MirrorMaker 2 between them, under continuous load from
 * an idempotent producer and consumer groups of both protocols, all through the proxy.
 */
@ExtendWith(KafkaClusterExtension.class)
class WaveSwitchTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int PARTITIONS = 3;

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    static RunningProxy proxyWithMirror(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, EmbeddedMirrorMaker mm,
                                        Map<String, Object> extra) {
        Map<String, Object> overrides = new HashMap<>(extra);
        overrides.put("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name());
        // Tight enough that the gate means something, loose enough for a producer writing every 5 ms.
        overrides.put("waves.max-ready-lag", 500);
        return RunningProxy.routing(source, target, overrides);
    }

    /** Creates {@code topic} on the source and starts MirrorMaker 2 copying it to the target. */
    static EmbeddedMirrorMaker mirrored(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String topic) throws Exception {
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, PARTITIONS, (short) 1));
        }
        return EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(), topic, ".*", Map.of());
    }

    /** Creates the wave and checks it until every gate passes (replication catches up under load). */
    static JsonNode createReady(RunningProxy proxy, String wave, String topic, List<String> groups) {
        String body = "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"],\"groups\":" + toJson(groups) + "}";
        HttpResponse<String> created = proxy.send("POST", "/waves", body, Map.of());
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("PLANNED", json(created).get("state").asText());
        return Await.until("wave " + wave + " READY", Duration.ofSeconds(90),
            () -> json(proxy.send("POST", "/waves/" + wave + "/check", null, Map.of())),
            w -> w.get("state").asText().equals("READY"));
    }

    static String toJson(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of a topic on one cluster, as "partition:value", in log order per partition. */
    static Map<Integer, List<String>> log(String bootstrap, String topic) {
        return log(bootstrap, topic, PARTITIONS);
    }

    static Map<Integer, List<String>> log(String bootstrap, String topic, int partitions) {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
                out.put(p, new ArrayList<>());
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            Await.until("read " + topic + " to its end on " + bootstrap, Duration.ofSeconds(60), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.get(r.partition()).add(r.value());
                }
                return tps.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    @Test
    void switchUnderLoadLosesNothingDuplicatesNothingAndMovesBothGroupProtocols(EmbeddedKafkaCluster source,
                                                                               @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("wave-orders");
        String classic = Clients.unique("wave-classic");
        String modern = Clients.unique("wave-848");
        try (EmbeddedMirrorMaker mm = mirrored(source, target, topic);
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            load.produce("orders-app", 5).consume(classic, "classic").consume(modern, "consumer");
            Await.until("both groups consuming", Duration.ofSeconds(60),
                () -> load.ackedCount() > 100 && !load.consumed(classic).isEmpty() && !load.consumed(modern).isEmpty());

            createReady(proxy, "orders", topic, List.of(classic, modern));
            int ackedBeforeSwitch = load.ackedCount();
            Map<String, Integer> consumedBeforeSwitch = Map.of(classic, load.consumed(classic).size(), modern, load.consumed(modern).size());
            HttpResponse<String> switched = proxy.send("POST", "/waves/orders/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode wave = json(switched);
            assertEquals("SWITCHED", wave.get("state").asText());
            JsonNode report = wave.get("lastSwitch");
            System.out.println("WAVE-SWITCH " + report);
            assertTrue(report.get("writePauseMs").asDouble() > 0, report.toString());

            // Load goes on, now on the target; both groups follow.
            Await.until("200 more records acknowledged after the switch", Duration.ofSeconds(60),
                () -> load.ackedCount() > ackedBeforeSwitch + 200);
            load.stopProducing();
            Await.until("both groups consumed every acknowledged record", Duration.ofSeconds(120),
                () -> load.consumedAll(classic) && load.consumedAll(modern));
            assertNull(load.failure(), () -> "client failure: " + load.failure());

            // The target holds the replicated prefix plus each later record once, in order per partition.
            Map<Integer, List<String>> sourceLog = log(source.bootstrapServers(), topic);
            Map<Integer, List<String>> targetLog = log(target.bootstrapServers(), topic);
            Map<Integer, List<String>> ackedByPartition = new HashMap<>();
            load.acked().forEach(a -> ackedByPartition.computeIfAbsent(a.partition(), p -> new ArrayList<>()).add(a.value()));
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> src = sourceLog.get(p);
                List<String> tgt = targetLog.get(p);
                assertEquals(src, tgt.subList(0, src.size()), "partition " + p + ": the target starts with the source's records");
                assertEquals(new HashSet<>(tgt).size(), tgt.size(), "partition " + p + ": no record twice on the target");
                List<String> expected = ackedByPartition.getOrDefault(p, List.of());
                assertEquals(new HashSet<>(expected), new HashSet<>(tgt), "partition " + p + ": every acknowledged record, nothing else");
                assertEquals(sortedBySequence(tgt), tgt, "partition " + p + ": in the order produced");
            }
            assertTrue(sourceLog.values().stream().mapToInt(List::size).sum() > 0);
            assertTrue(targetLog.values().stream().mapToInt(List::size).sum() > sourceLog.values().stream().mapToInt(List::size).sum(),
                "records were written to the target after the switch");

            // Re-delivery caused by the switch stays within what the switch reported for each group:
            // records read again from the moment the switch began. (A rebalance before the switch,
            // which re-reads a batch on its own, is not the switch's doing; it is printed, not counted.)
            for (String group : List.of(classic, modern)) {
                List<String> got = load.consumed(group);
                int before = consumedBeforeSwitch.get(group);
                Set<String> seen = new HashSet<>();
                long redeliveredBefore = 0;
                long redeliveredAfter = 0;
                List<String> again = new ArrayList<>();
                for (int i = 0; i < got.size(); i++) {
                    if (!seen.add(got.get(i))) {
                        if (i >= before) {
                            redeliveredAfter++;
                            String pv = got.get(i);
                            int part = Integer.parseInt(pv.substring(0, pv.indexOf(':')));
                            String v = pv.substring(pv.indexOf(':') + 1);
                            again.add(pv + "@" + got.indexOf(pv) + "/" + i + " src-offset " + sourceLog.get(part).indexOf(v) + " tgt-offset "
                                + targetLog.get(part).indexOf(v));
                        } else {
                            redeliveredBefore++;
                        }
                    }
                }
                long bound = report.get("groups").get(group).get("maxRedelivery").asLong();
                System.out.println("WAVE-REDELIVERY group=" + group + " redeliveredBySwitch=" + redeliveredAfter + " bound=" + bound
                    + " redeliveredBeforeSwitch=" + redeliveredBefore);
                assertTrue(redeliveredAfter <= bound, group + " re-read " + redeliveredAfter + " records after the switch began, more than "
                    + "the reported bound " + bound + " (" + before + " read before the switch; value@first/second read): "
                    + again.subList(0, Math.min(12, again.size())) + " ... " + again.subList(Math.max(0, again.size() - 3), again.size()));
            }
            assertTrue(proxy.metric("cutover_proxy_wave_write_pause_seconds_count") >= 1);
        }
    }

    /** The producer numbers its records; within a partition they must appear in that order. */
    static List<String> sortedBySequence(List<String> values) {
        List<String> sorted = new ArrayList<>(values);
        sorted.sort((a, b) -> Long.compare(Long.parseLong(a.substring(a.lastIndexOf('-') + 1)),
            Long.parseLong(b.substring(b.lastIndexOf('-') + 1))));
        return sorted;
    }
}
