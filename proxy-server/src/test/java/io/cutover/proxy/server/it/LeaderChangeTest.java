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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Against a 3-broker cluster, an operator moves a partition's leadership while an idempotent
 * producer and a consumer run through the proxy. The clients follow the new leader through the
 * proxy, nothing fails, and every record arrives once and in order.
 */
@ExtendWith(KafkaClusterExtension.class)
// Known bug, open: after two leader moves a group's consumer through the proxy sometimes stays 1-101
// records short of the end while a fresh consumer through the proxy reads them (2 of 5 CI runs on
// 2026-12-05). Out of the default run until fixed, so it cannot be mistaken for noise; run it with
// ./mvnw -B -ntp -pl proxy-server -am verify -Dtest=LeaderChangeTest -Dtest.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false
@Tag("known-bug")
class LeaderChangeTest {
    @Test
    void clientsFollowLeaderChangesMadeDuringTraffic(@Brokers(3) EmbeddedKafkaCluster cluster) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(cluster);
             Admin viaProxy = Clients.admin(proxy.bootstrapServers());
             Admin direct = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
            ProxyAddresses addresses = new ProxyAddresses(proxy, cluster);
            String topic = Clients.unique("leader-change");
            TopicPartition tp = new TopicPartition(topic, 0);
            io.cutover.proxy.server.testkit.Topics.create(viaProxy, new NewTopic(topic, Map.of(0, List.of(0, 1, 2))));
            Await.until("leader 0", Duration.ofSeconds(30), () -> leaderViaProxy(viaProxy, topic).id() == 0);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger acked = new AtomicInteger();
            List<Throwable> sendErrors = new CopyOnWriteArrayList<>();
            ConcurrentLinkedQueue<Integer> consumed = new ConcurrentLinkedQueue<>();
            List<Throwable> consumeErrors = new CopyOnWriteArrayList<>();
            Map<String, Object> producerConfig = Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 1);
            AtomicInteger sent = new AtomicInteger();
            Thread producerThread = new Thread(() -> {
                try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), producerConfig)) {
                    while (!stop.get()) {
                        int seq = sent.getAndIncrement();
                        producer.send(new ProducerRecord<>(topic, 0, null, String.valueOf(seq)), (md, e) -> {
                            if (e != null) {
                                sendErrors.add(e);
                            } else {
                                acked.incrementAndGet();
                            }
                        });
                        if (seq % 200 == 199) {
                            producer.flush();
                        }
                    }
                    producer.flush();
                } catch (Throwable t) {
                    sendErrors.add(t);
                }
            }, "leader-change-producer");
            java.util.concurrent.atomic.AtomicReference<String> consumerState = new java.util.concurrent.atomic.AtomicReference<>("");
            Thread consumerThread = new Thread(() -> {
                try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), Map.of())) {
                    consumer.subscribe(List.of(topic));
                    while (!stop.get() || consumed.size() < acked.get()) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            consumed.add(Integer.parseInt(r.value()));
                        }
                        consumerState.set("assignment " + consumer.assignment()
                            + (consumer.assignment().contains(tp) ? ", position " + consumer.position(tp) : ""));
                        if (stop.get() && consumed.size() >= sent.get()) {
                            break;
                        }
                    }
                } catch (Throwable t) {
                    consumeErrors.add(t);
                }
            }, "leader-change-consumer");
            producerThread.start();
            consumerThread.start();

            for (List<Integer> replicas : List.of(List.of(1, 2, 0), List.of(2, 0, 1))) {
                int before = acked.get();
                Await.until("traffic flows before the change", Duration.ofSeconds(60), () -> acked.get() >= before + 500 || !sendErrors.isEmpty());
                direct.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(replicas)))).all().get();
                Await.until("reassignment of " + tp + " done", Duration.ofSeconds(60),
                    () -> ongoingReassignments(direct, tp).isEmpty());
                Await.until("preferred leader " + replicas.get(0) + " elected", Duration.ofSeconds(60), () -> {
                    electPreferred(direct, tp);
                    return leaderViaProxy(viaProxy, topic).id() == replicas.get(0);
                });
                int atChange = acked.get();
                Await.until("traffic flows after the change to leader " + replicas.get(0), Duration.ofSeconds(60),
                    () -> acked.get() >= atChange + 500 || !sendErrors.isEmpty());
                Node leader = leaderViaProxy(viaProxy, topic);
                addresses.assertProxy("new leader in metadata through the proxy", leader);
            }
            stop.set(true);
            producerThread.join(60_000);
            assertTrue(sendErrors.isEmpty(), "no send failed: " + sendErrors);
            // The message shows how far the consumer got: stuck or slow tells different stories.
            try {
                Await.until("the consumer has every one of the " + acked.get() + " acknowledged records (consumer thread alive: "
                        + consumerThread.isAlive() + ", poll errors: " + consumeErrors + ")", Duration.ofSeconds(120),
                    consumed::size, n -> n >= acked.get());
            } catch (AssertionError stuck) {
                // Where the missing records are: on the broker, and whether a fresh consumer through the proxy reads them.
                System.out.println("LEADER-CHANGE stuck at " + consumed.size() + " of " + acked.get() + " (" + consumerState.get()
                    + "); end offset on the cluster "
                    + direct.listOffsets(Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get().get(tp).offset()
                    + ", leader " + leaderViaProxy(viaProxy, topic).id());
                try (KafkaConsumer<String, String> fresh = Clients.consumer(proxy.bootstrapServers(), null, Map.of())) {
                    fresh.assign(List.of(tp));
                    fresh.seek(tp, consumed.size());
                    int[] got = {0};
                    long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    while (System.nanoTime() < until && got[0] < acked.get() - consumed.size()) {
                        got[0] += fresh.poll(Duration.ofMillis(200)).count();
                    }
                    System.out.println("LEADER-CHANGE a fresh consumer through the proxy from " + consumed.size() + " read " + got[0]);
                }
                throw stuck;
            }
            consumerThread.join(30_000);
            assertTrue(consumeErrors.isEmpty(), "no poll failed: " + consumeErrors);

            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < acked.get(); i++) {
                expected.add(i);
            }
            assertEquals(expected, new ArrayList<>(consumed), "every record once, in order, across two leader changes");
        }
    }

    private static Node leaderViaProxy(Admin admin, String topic) {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<TopicPartition> ongoingReassignments(Admin admin, TopicPartition tp) {
        try {
            return admin.listPartitionReassignments(Set.of(tp)).reassignments().get().keySet();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void electPreferred(Admin admin, TopicPartition tp) {
        try {
            admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get();
        } catch (Exception e) {
            // ELECTION_NOT_NEEDED and transient refusals: the caller waits on the leader it wants.
        }
    }
}
