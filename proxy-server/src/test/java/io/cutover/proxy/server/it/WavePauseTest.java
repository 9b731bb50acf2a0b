package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.log;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static io.cutover.proxy.server.it.WaveSwitchTest.sortedBySequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The write pause of 20 switches under load: one idempotent producer writes to 20 topics through
 * the proxy without stopping, and 20 waves (one topic each) switch one after another. Prints
 * WAVE-PAUSE per switch and a summary (median, max). Every acknowledged record must be on the
 * target once, in order, afterwards.
 */
@ExtendWith(KafkaClusterExtension.class)
class WavePauseTest {
    private static final int WAVES = 20;

    @Test
    void twentySwitchesUnderLoad(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String prefix = Clients.unique("pause");
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < WAVES; i++) {
            topics.add(prefix + "-" + i);
        }
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            List<NewTopic> create = new ArrayList<>();
            topics.forEach(t -> create.add(new NewTopic(t, 2, (short) 1)));
            admin.createTopics(create).all().get();
        }
        Map<String, Set<String>> acked = new ConcurrentHashMap<>();
        topics.forEach(t -> acked.put(t, ConcurrentHashMap.newKeySet()));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean producing = new AtomicBoolean(true);
        List<Double> pauses = new ArrayList<>();
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 prefix + "-.*", ".*", Map.of());
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of())) {
            Thread producer = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(),
                    Map.of("acks", "all", "enable.idempotence", "true", "linger.ms", 0, "delivery.timeout.ms", 120_000))) {
                    long n = 0;
                    while (producing.get()) {
                        String topic = topics.get((int) (n % WAVES));
                        String value = "p-" + n++;
                        p.send(new ProducerRecord<>(topic, value), (md, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                acked.get(topic).add(md.partition() + ":" + value);
                            }
                        });
                        Thread.sleep(2); // the load's pacing: about 500 records/s
                    }
                    p.flush();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "pause-producer");
            producer.start();
            Await.until("load on every topic", Duration.ofSeconds(60), () -> acked.values().stream().allMatch(s -> s.size() > 5));

            for (int i = 0; i < WAVES; i++) {
                String wave = "pause-" + i;
                createReady(proxy, wave, topics.get(i), List.of());
                HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/switch", null, Map.of());
                assertEquals(200, r.statusCode(), r.body());
                double pause = json(r).get("lastSwitch").get("writePauseMs").asDouble();
                pauses.add(pause);
                var sw = json(r).get("lastSwitch");
                System.out.println("WAVE-PAUSE wave=" + wave + " writePauseMs=" + pause + " drainMs=" + sw.path("drainMs") + " syncMs="
                    + sw.path("syncMs") + " preSyncMs=" + sw.path("preSyncMs") + " held=" + sw.get("heldRequests"));
            }
            producing.set(false);
            producer.join(60_000);
            assertNull(failure.get(), () -> "producer failure: " + failure.get());

            List<Double> sorted = new ArrayList<>(pauses);
            sorted.sort(Double::compare);
            double median = (sorted.get(WAVES / 2 - 1) + sorted.get(WAVES / 2)) / 2;
            System.out.printf("WAVE-PAUSE-SUMMARY switches=%d medianMs=%.1f p90Ms=%.1f maxMs=%.1f minMs=%.1f%n", WAVES, median,
                sorted.get((int) Math.ceil(WAVES * 0.9) - 1), sorted.get(WAVES - 1), sorted.get(0));

            // Every acknowledged record is on the target, once, in the order produced.
            for (String topic : topics) {
                Map<Integer, List<String>> targetLog = log(target.bootstrapServers(), topic, 2);
                Set<String> onTarget = new HashSet<>();
                targetLog.forEach((p, values) -> {
                    assertEquals(new HashSet<>(values).size(), values.size(), topic + "-" + p + ": no record twice");
                    assertEquals(sortedBySequence(values), values, topic + "-" + p + ": in produced order");
                    values.forEach(v -> onTarget.add(p + ":" + v));
                });
                Set<String> missing = new HashSet<>(acked.get(topic));
                missing.removeAll(onTarget);
                assertEquals(Set.of(), missing, topic + ": acknowledged records missing on the target");
            }
        }
    }
}
