package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.log;
import static io.cutover.proxy.server.it.WaveSwitchTest.sortedBySequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.MirrorMakerProcess;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The write pause of 20 switches under load: idempotent producers write to 20 topics through
 * the proxy without stopping, and 20 waves (one topic and one group each) switch one after another,
 * with MirrorMaker 2 as a separate process, as teams run it. Half the groups have committed offsets
 * to carry, half have never committed. Prints WAVE-PAUSE per switch with where the pause went, the
 * client-visible stall (the longest a record sent around the switch waited for its acknowledgement),
 * and a summary (median, p90, max). Every acknowledged record must be on the target once, in order,
 * afterwards.
 */
@ExtendWith(KafkaClusterExtension.class)
class WavePauseTest {
    private static final int WAVES = 20;

    /** What a run of switches measured: each switch's write pause and client-visible stall, in ms. */
    record Pauses(List<Double> writePauses, List<Double> clientStalls) {
        String summary(String label) {
            return String.format("%s switches=%d writePause medianMs=%.1f p90Ms=%.1f maxMs=%.1f minMs=%.1f; clientStall medianMs=%.1f "
                    + "p90Ms=%.1f maxMs=%.1f", label, writePauses.size(), median(writePauses), percentile(writePauses, 0.9),
                percentile(writePauses, 1.0), percentile(writePauses, 0.0), median(clientStalls), percentile(clientStalls, 0.9),
                percentile(clientStalls, 1.0));
        }

        private static double median(List<Double> values) {
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(Double::compare);
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        private static double percentile(List<Double> values, double q) {
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(Double::compare);
            return q == 0 ? sorted.get(0) : sorted.get((int) Math.ceil(sorted.size() * q) - 1);
        }
    }

    @Test
    void twentySwitchesUnderLoad(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String prefix = Clients.unique("pause");
        try (MirrorMakerProcess mm = MirrorMakerProcess.start(source.bootstrapServers(), target.bootstrapServers(), prefix + "-.*");
             RunningProxy proxy = RunningProxy.routing(source, target,
                 Map.of("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic(), "waves.max-ready-lag", 500))) {
            Pauses p = switchUnderLoad(source, target, prefix, List.of(proxy), WAVES);
            System.out.println("WAVE-PAUSE-SUMMARY " + p.summary("one instance"));
        }
    }

    /**
     * Creates {@code waves} topics and one wave each (with a group), writes to all of them through
     * every proxy at once (one idempotent producer per proxy, about 500 records/s in all), switches
     * the waves one after another through the first proxy, and checks that every acknowledged
     * record is on the target once, in order.
     */
    static Pauses switchUnderLoad(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, String prefix, List<RunningProxy> proxies,
                                  int waves) throws Exception {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < waves; i++) {
            topics.add(prefix + "-" + i);
        }
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            List<NewTopic> create = new ArrayList<>();
            topics.forEach(t -> create.add(new NewTopic(t, 2, (short) 1)));
            admin.createTopics(create).all().get();
            // Served before the load starts: an idempotent producer whose first batch to a partition met
            // NOT_LEADER_OR_FOLLOWER while its second was accepted retries the first forever
            // (OUT_OF_ORDER_SEQUENCE_NUMBER), which failed this test once before any switch.
            io.cutover.proxy.server.testkit.Topics.awaitServed(admin, create.toArray(new NewTopic[0]));
            // Even waves' groups have offsets to carry; odd ones never committed (their coordinator
            // lookups on the target happen before the fence all the same).
            for (int i = 0; i < waves; i += 2) {
                String group = prefix + "-g" + i;
                var partition = new org.apache.kafka.common.TopicPartition(topics.get(i), 0);
                // A topic just created may not be known yet to the group coordinator's broker: UNKNOWN_TOPIC_OR_PARTITION, retried.
                io.cutover.proxy.server.testkit.Await.until("offsets committed for " + group, java.time.Duration.ofSeconds(30), () -> {
                    try {
                        admin.alterConsumerGroupOffsets(group, Map.of(partition, new OffsetAndMetadata(1))).all().get();
                        return true;
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                            return false;
                        }
                        throw new IllegalStateException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
        // Sent time and acknowledgement latency of every record, for the stall each switch causes at the client.
        java.util.concurrent.ConcurrentLinkedQueue<long[]> latencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.ConcurrentLinkedQueue<Long> sentTimes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        Map<String, Set<String>> acked = new ConcurrentHashMap<>();
        topics.forEach(t -> acked.put(t, ConcurrentHashMap.newKeySet()));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        List<Thread> producers = new ArrayList<>();
        for (int k = 0; k < proxies.size(); k++) {
            RunningProxy proxy = proxies.get(k);
            String name = "p" + k;
            Thread producer = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(),
                    Map.of("acks", "all", "enable.idempotence", "true", "linger.ms", 0, "delivery.timeout.ms", 120_000))) {
                    long n = 0;
                    while (producing.get()) {
                        String topic = topics.get((int) (n % waves));
                        String value = name + "-" + n++;
                        long sent = System.nanoTime();
                        sentTimes.add(sent);
                        p.send(new ProducerRecord<>(topic, value), (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.get(topic).add(md.partition() + ":" + value);
                                latencies.add(new long[] {sent, System.nanoTime() - sent});
                            }
                        });
                        Thread.sleep(2L * proxies.size()); // the load's pacing: about 500 records/s over all proxies
                    }
                    p.flush();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "pause-producer-" + name);
            producers.add(producer);
            producer.start();
        }
        RunningProxy proxy = proxies.get(0);
        Await.until("load on every topic", Duration.ofSeconds(60), () -> acked.values().stream().allMatch(s -> s.size() > 5));

        List<Double> pauses = new ArrayList<>();
        List<Double> stalls = new ArrayList<>();
        for (int i = 0; i < waves; i++) {
            String wave = prefix + "-w" + i;
            createReady(proxy, wave, topics.get(i), List.of(prefix + "-g" + i));
            long before = System.nanoTime();
            HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/switch", null, Map.of());
            long after = System.nanoTime();
            assertEquals(200, r.statusCode(), r.body());
            double pause = json(r).get("lastSwitch").get("writePauseMs").asDouble();
            pauses.add(pause);
            var sw = json(r).get("lastSwitch");
            // The client's view: the longest acknowledgement wait of a record sent while the switch ran.
            long sentBy = sentTimes.stream().filter(t -> t <= after).count();
            try {
                Await.until("records sent by the end of switch " + i + " acknowledged", Duration.ofSeconds(60),
                    () -> latencies.stream().filter(l -> l[0] <= after).count() >= sentBy);
            } catch (AssertionError stuck) {
                // What each cluster holds of the switched topic, batch by batch, to tell where a sequence went.
                for (int part = 0; part < 2; part++) {
                    io.cutover.proxy.server.testkit.LogBatches.of(source, topics.get(i), part).forEach(System.out::println);
                    io.cutover.proxy.server.testkit.LogBatches.of(target, topics.get(i), part).forEach(System.out::println);
                }
                throw stuck;
            }
            double stall = latencies.stream().filter(l -> l[0] >= before && l[0] <= after).mapToLong(l -> l[1]).max().orElse(0) / 1e6;
            stalls.add(stall);
            System.out.println("WAVE-PAUSE instances=" + proxies.size() + " wave=" + wave + " writePauseMs=" + pause + " clientStallMs="
                + Math.round(stall * 100) / 100.0 + " fenceMs=" + sw.path("fenceMs") + " drainMs=" + sw.path("drainMs")
                + " fleetHoldMs=" + sw.path("fleetHoldMs") + " syncMs=" + sw.path("syncMs") + " carryMs=" + sw.path("carryMs")
                + " persistMs=" + sw.path("persistMs") + " flipMs=" + sw.path("flipMs") + " releaseMs=" + sw.path("releaseMs")
                + " preSyncMs=" + sw.path("preSyncMs") + " preCarryMs=" + sw.path("preCarryMs") + " held=" + sw.get("heldRequests"));
        }
        producing.set(false);
        for (Thread t : producers) {
            t.join(60_000);
        }
        assertNull(failure.get(), () -> "producer failure: " + failure.get());

        // Every acknowledged record is on the target, once, in the order produced.
        for (String topic : topics) {
            Map<Integer, List<String>> targetLog = log(target.bootstrapServers(), topic, 2);
            Set<String> onTarget = new HashSet<>();
            targetLog.forEach((p, values) -> {
                assertEquals(new HashSet<>(values).size(), values.size(), topic + "-" + p + ": no record twice");
                for (int k = 0; k < proxies.size(); k++) {
                    String mine = "p" + k + "-";
                    List<String> ofProducer = values.stream().filter(v -> v.startsWith(mine)).toList();
                    assertEquals(sortedBySequence(ofProducer), ofProducer, topic + "-" + p + ": in produced order");
                }
                values.forEach(v -> onTarget.add(p + ":" + v));
            });
            Set<String> missing = new HashSet<>(acked.get(topic));
            missing.removeAll(onTarget);
            assertEquals(Set.of(), missing, topic + ": acknowledged records missing on the target");
        }
        return new Pauses(pauses, stalls);
    }
}
