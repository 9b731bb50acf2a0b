package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The flip scenario with unmodified Java clients, never restarted: an idempotent producer
 * (acks=all), a classic-protocol consumer group and a KIP-848 consumer group.
 */
@ExtendWith(KafkaClusterExtension.class)
class RoutingFlipTest {

    /** An idempotent Java producer and one Java consumer group per group protocol, in threads of this JVM. */
    static final class JavaClients implements FlipScenario.FlipClients {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<String> errors = new CopyOnWriteArrayList<>();
        private final AtomicLong acked = new AtomicLong();
        private final Map<String, Set<Integer>> epochsSeen = new ConcurrentHashMap<>();
        private final List<Thread> threads = new ArrayList<>();

        JavaClients(RunningProxy proxy, FlipScenario scenario) {
            this(proxy, scenario, List.of("classic", "consumer"));
        }

        JavaClients(RunningProxy proxy, FlipScenario scenario, List<String> groupProtocols) {
            threads.add(new Thread(() -> {
                Map<String, Object> config = Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                    ProducerConfig.LINGER_MS_CONFIG, 2, ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
                int[] seq = new int[FlipScenario.PARTITIONS];
                try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), config)) {
                    while (!stop.get()) {
                        for (int partition = 0; partition < FlipScenario.PARTITIONS; partition++) {
                            String value = scenario.epoch.get() + ":" + partition + ":" + seq[partition]++;
                            p.send(new ProducerRecord<>(scenario.topic, partition, null, value), (md, e) -> {
                                if (e != null) {
                                    errors.add("send callback: " + e);
                                } else {
                                    acked.incrementAndGet();
                                }
                            });
                        }
                        if (seq[0] % 20 == 0) {
                            p.flush();
                        }
                    }
                    p.flush();
                } catch (Throwable t) {
                    errors.add("producer: " + t);
                }
            }, "flip-producer"));
            for (String protocol : groupProtocols) {
                epochsSeen.put(protocol, ConcurrentHashMap.newKeySet());
                threads.add(new Thread(() -> {
                    try (KafkaConsumer<String, String> c = Clients.consumer(proxy.bootstrapServers(), Clients.unique("flip-" + protocol),
                        Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol))) {
                        c.subscribe(List.of(scenario.topic));
                        while (!stop.get()) {
                            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                                epochsSeen.get(protocol).add(Integer.parseInt(r.value().split(":")[0]));
                            }
                        }
                    } catch (Throwable t) {
                        errors.add(protocol + " consumer: " + t);
                    }
                }, "flip-consumer-" + protocol));
            }
            threads.forEach(Thread::start);
        }

        @Override
        public boolean consumedEpoch(int e) {
            return epochsSeen.values().stream().allMatch(s -> s.contains(e));
        }

        @Override
        public List<String> errors() {
            return errors;
        }

        @Override
        public long stopAndCountAcked() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
            return acked.get();
        }
    }

    @Test
    void javaClientsFollowATopicFlippedBackAndForth(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        FlipScenario scenario = new FlipScenario(source, target, "flip-java");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            List<Long> ms = scenario.run(proxy, new JavaClients(proxy, scenario), Duration.ofSeconds(60));
            System.out.println("FLIP-TO-FIRST-RECORD-MS java " + FlipScenario.summary(ms));
            assertTrue(proxy.metric("cutover_proxy_forced_refresh_total") > 0, "clients were moved by the proxy's errors");
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"OUT_OF_ORDER_SEQUENCE_NUMBER\""));
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_PRODUCER_ID\""));
        }
    }
}
