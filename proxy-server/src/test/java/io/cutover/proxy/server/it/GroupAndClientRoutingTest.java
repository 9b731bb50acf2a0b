package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Consumer groups and single applications moved between the clusters, and topic ids that do not change. */
@ExtendWith(KafkaClusterExtension.class)
class GroupAndClientRoutingTest {

    private static void createOnBoth(String topic, EmbeddedKafkaCluster... clusters) throws Exception {
        for (EmbeddedKafkaCluster c : clusters) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 2, (short) 1));
            }
        }
    }

    private static int members(EmbeddedKafkaCluster cluster, String group) {
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            return d.members().size();
        } catch (Exception e) {
            return -1;
        }
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aConsumerGroupMovesToTheTargetCoordinatorAndBack(String protocol, EmbeddedKafkaCluster source,
                                                         @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("group-move");
        String group = Clients.unique("moving-" + protocol);
        createOnBoth(topic, source, target);
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger polled = new AtomicInteger();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            Thread feeder = new Thread(() -> {
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                    while (!stop.get()) {
                        p.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
                    }
                } catch (Throwable t) {
                    t.printStackTrace();
                    errors.add(t);
                }
            });
            Thread consumer = new Thread(() -> {
                try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), group,
                    Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol, ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, 200))) {
                    c.subscribe(List.of(topic));
                    while (!stop.get()) {
                        polled.addAndGet(c.poll(Duration.ofMillis(100)).count());
                    }
                } catch (Throwable t) {
                    t.printStackTrace();
                    errors.add(t);
                }
            });
            feeder.start();
            consumer.start();
            Await.until("the group is active on source", Duration.ofSeconds(60), () -> members(source, group) == 1 || !errors.isEmpty());

            proxy.flip("group", group, "target");
            Await.until("the group's member rejoined on target", Duration.ofSeconds(60),
                () -> members(target, group) == 1 || !errors.isEmpty());
            int atMove = polled.get();
            Await.until("the member consumes after the move", Duration.ofSeconds(60), () -> polled.get() > atMove + 20 || !errors.isEmpty());

            proxy.flip("group", group, "source");
            // (The target coordinator keeps the departed member until its session times out.)
            Await.until("the member is back on source", Duration.ofSeconds(60),
                () -> members(source, group) == 1 || !errors.isEmpty());
            int atReturn = polled.get();
            Await.until("the member consumes after moving back", Duration.ofSeconds(60), () -> polled.get() > atReturn + 20 || !errors.isEmpty());
            stop.set(true);
            feeder.join(30_000);
            consumer.join(30_000);
            assertTrue(errors.isEmpty(), "no client saw an error: " + errors);
            assertTrue(proxy.metric("cutover_proxy_forced_refresh_total", "code=\"NOT_COORDINATOR\"") >= 1);
        }
    }

    @Test
    void oneApplicationMovesBeforeAnother(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String topic = Clients.unique("per-app");
        createOnBoth(topic, source, target);
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            String rule = "{\"resource\":\"topic\",\"pattern\":\"" + topic + "\",\"cluster\":\"target\",\"clients\":{\"clientIdPrefix\":\"billing-\"}}";
            assertEquals(200, proxy.send("POST", "/routes/flip", rule, Map.of()).statusCode());
            try (KafkaProducer<String, String> billing = Clients.producer(proxy.bootstrapServers(),
                     Map.of(ProducerConfig.CLIENT_ID_CONFIG, "billing-1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
                 KafkaProducer<String, String> shipping = Clients.producer(proxy.bootstrapServers(),
                     Map.of(ProducerConfig.CLIENT_ID_CONFIG, "shipping-1", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
                for (int i = 0; i < 50; i++) {
                    billing.send(new ProducerRecord<>(topic, 0, null, "billing")).get(30, TimeUnit.SECONDS);
                    shipping.send(new ProducerRecord<>(topic, 0, null, "shipping")).get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(List.of("shipping"), distinctValues(source, topic), "the other application stayed on source");
            assertEquals(List.of("billing"), distinctValues(target, topic), "the selected application moved");
        }
    }

    @Test
    void aTopicKeepsItsIdAcrossFlips(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String topic = Clients.unique("stable-id");
        createOnBoth(topic, source, target);
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of());
             Admin viaProxy = Clients.admin(proxy.bootstrapServers());
             Admin onSource = Clients.admin(source.bootstrapServers());
             Admin onTarget = Clients.admin(target.bootstrapServers())) {
            Uuid before = viaProxy.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
            proxy.flipTopic(topic, "target");
            Uuid after = viaProxy.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
            assertEquals(before, after, "the id clients see does not change when the topic moves");
            assertNotEquals(onSource.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId(), before);
            assertNotEquals(onTarget.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId(), before);
            assertTrue(viaProxy.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .allMatch(p -> p.leader().id() >= 100_000), "leaders are target nodes, in target's virtual id range");
            String clusterId = viaProxy.describeCluster().clusterId().get();
            assertNotEquals(onSource.describeCluster().clusterId().get(), clusterId, "the cluster id is the proxy's own");
            assertEquals(clusterId, viaProxy.describeCluster().clusterId().get());
        }
    }

    private static List<String> distinctValues(EmbeddedKafkaCluster cluster, String topic) {
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, Map.of())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            java.util.Set<String> values = new java.util.TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            return List.copyOf(values);
        }
    }
}
