package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A topic flipped between source and target while clients run, through the admin API. */
@ExtendWith(KafkaClusterExtension.class)
class RoutingFlipTest {

    private static long endOffsets(EmbeddedKafkaCluster cluster, String topic, int partitions) {
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
            }
            return c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    @Test
    void aProducerAndAConsumerFollowOneFlip(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("flip");
        for (EmbeddedKafkaCluster c : List.of(source, target)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
            }
        }
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger acked = new AtomicInteger();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            List<String> consumed = new CopyOnWriteArrayList<>();
            Thread producer = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(),
                    Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
                    int i = 0;
                    while (!stop.get()) {
                        p.send(new ProducerRecord<>(topic, "k" + (i % 7), "v" + i), (md, e) -> {
                            if (e != null) {
                                errors.add(e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                        i++;
                        if (i % 50 == 0) {
                            p.flush();
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            });
            Thread consumer = new Thread(() -> {
                try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), Map.of())) {
                    c.subscribe(List.of(topic));
                    while (!stop.get()) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            consumed.add(r.value());
                        }
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            });
            producer.start();
            consumer.start();
            Await.until("records on source", Duration.ofSeconds(30), () -> endOffsets(source, topic, 3) > 200 || !errors.isEmpty());
            proxy.flipTopic(topic, "target");
            long sourceAtFlip = endOffsets(source, topic, 3);
            Await.until("records on target", Duration.ofSeconds(30), () -> endOffsets(target, topic, 3) > 200 || !errors.isEmpty());
            int consumedAtTarget = consumed.size();
            Await.until("the consumer reads from target", Duration.ofSeconds(30), () -> consumed.size() > consumedAtTarget + 100 || !errors.isEmpty());
            proxy.flipTopic(topic, "source");
            long sourceBack = endOffsets(source, topic, 3);
            Await.until("records on source again", Duration.ofSeconds(30), () -> endOffsets(source, topic, 3) > sourceBack + 200 || !errors.isEmpty());
            stop.set(true);
            producer.join(30_000);
            consumer.join(30_000);
            System.out.println("METRICS\n" + proxy.get("/metrics").body().lines().filter(l -> l.startsWith("cutover_proxy_errors") || l.startsWith("cutover_proxy_forced") || l.startsWith("cutover_proxy_cluster_requests")).reduce("", (a, b) -> a + b + "\n"));
            assertTrue(errors.isEmpty(), "no client saw an error: " + errors);
            assertTrue(endOffsets(source, topic, 3) - sourceAtFlip < 1000, "writes stopped on source after the flip");
            assertEquals(acked.get(), endOffsets(source, topic, 3) + endOffsets(target, topic, 3), "every acknowledged record is in one cluster");
        }
    }
}
