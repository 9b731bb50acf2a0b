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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Against a 3-broker cluster, an operator moves a partition's leadership while an idempotent
 * producer and a consumer run through the proxy. The clients follow the new leader through the
 * proxy, nothing fails, and every record arrives once and in order.
 */
@ExtendWith(KafkaClusterExtension.class)
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
            // The consumer may only stop once the producer has stopped and every acknowledgement is in:
            // records still in the producer's last flush are acknowledged after stop is set.
            AtomicBoolean producerDone = new AtomicBoolean();
            AtomicBoolean giveUp = new AtomicBoolean();
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
                } finally {
                    producerDone.set(true);
                }
            }, "leader-change-producer");
            java.util.concurrent.atomic.AtomicReference<String> consumerState = new java.util.concurrent.atomic.AtomicReference<>("");
            Thread consumerThread = new Thread(() -> {
                try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("g"), Map.of())) {
                    consumer.subscribe(List.of(topic));
                    while (!giveUp.get() && !(producerDone.get() && consumed.size() >= acked.get())) {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                            consumed.add(Integer.parseInt(r.value()));
                        }
                        consumerState.set("assignment " + consumer.assignment()
                            + (consumer.assignment().contains(tp) ? ", position " + consumer.position(tp) : ""));
                    }
                } catch (Throwable t) {
                    consumeErrors.add(t);
                }
            }, "leader-change-consumer");
            producerThread.start();
            consumerThread.start();
            try {
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
                assertTrue(producerDone.get(), "the producer finished its last flush");
                assertTrue(sendErrors.isEmpty(), "no send failed: " + sendErrors);
                consumerThread.join(120_000);
                assertTrue(consumeErrors.isEmpty(), "no poll failed: " + consumeErrors);
                assertEquals(acked.get(), consumed.size(), "the consumer read as many records as were acknowledged ("
                    + (consumerThread.isAlive() ? "still polling after 2 min: " : "") + consumerState.get() + ")");
            } finally {
                stop.set(true);
                giveUp.set(true);
            }

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
