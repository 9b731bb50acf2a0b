package io.cutover.proxy.server.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The process cluster the soak kills brokers of: three nodes, one killed with SIGKILL, writes acknowledged throughout. */
class KafkaProcessClusterTest {
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aBrokerKilledAndStartedAgainLosesNoAcknowledgedRecord() throws Exception {
        KafkaProcessCluster.Plan plan = new KafkaProcessCluster.Plan(3);
        try (KafkaProcessCluster cluster = KafkaProcessCluster.start("kill-test", plan, id -> "127.0.0.1:" + plan.externalPort(id), Map.of())) {
            try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
                Topics.create(admin, new NewTopic("killed", 3, (short) 3));
            }
            Set<String> acked = new HashSet<>();
            try (KafkaProducer<String, String> p = Clients.producer(cluster.bootstrapServers(), Map.of(ProducerConfig.ACKS_CONFIG, "all"))) {
                for (int i = 0; i < 100; i++) {
                    p.send(new ProducerRecord<>("killed", "v" + i)).get(30, TimeUnit.SECONDS);
                    acked.add("v" + i);
                }
                cluster.kill(2);
                for (int i = 100; i < 200; i++) {
                    p.send(new ProducerRecord<>("killed", "v" + i)).get(60, TimeUnit.SECONDS);
                    acked.add("v" + i);
                }
                cluster.restart(2);
                cluster.awaitBrokers(3);
                for (int i = 200; i < 300; i++) {
                    p.send(new ProducerRecord<>("killed", "v" + i)).get(60, TimeUnit.SECONDS);
                    acked.add("v" + i);
                }
            }
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, Map.of())) {
                List<TopicPartition> tps = List.of(new TopicPartition("killed", 0), new TopicPartition("killed", 1),
                    new TopicPartition("killed", 2));
                c.assign(tps);
                c.seekToBeginning(tps);
                Await.until("every acknowledged record read back", Duration.ofSeconds(60), () -> {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                    return read.size() >= acked.size();
                });
            }
            assertEquals(acked, new HashSet<>(read));
            assertEquals(acked.size(), read.size(), "nothing twice");
        }
    }
}
