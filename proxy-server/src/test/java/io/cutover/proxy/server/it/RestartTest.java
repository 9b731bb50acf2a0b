package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A restarted proxy gives every broker the port it had, so a client holding cached metadata from
 * before the restart reconnects to the right brokers and keeps working.
 */
@ExtendWith(KafkaClusterExtension.class)
class RestartTest {
    private static Map<Integer, Integer> portsByNode(String bootstrap) throws Exception {
        try (Admin admin = Clients.admin(bootstrap)) {
            Map<Integer, Integer> ports = new TreeMap<>();
            for (Node n : admin.describeCluster().nodes().get()) {
                ports.put(n.id(), n.port());
            }
            return ports;
        }
    }

    @Test
    void brokerPortsSurviveARestartAndCachedMetadataStillWorks(@Brokers(3) EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("restart");
        RunningProxy first = RunningProxy.in(cluster);
        Map<Integer, Integer> before;
        KafkaProducer<String, String> producer = Clients.producer(first.bootstrapServers(),
            Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.METADATA_MAX_AGE_CONFIG, 600_000));
        try {
            try (Admin admin = Clients.admin(first.bootstrapServers())) {
                io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 6, (short) 1));
            }
            before = portsByNode(first.bootstrapServers());
            assertEquals(3, before.size());
            for (int p = 0; p < 6; p++) {
                producer.send(new ProducerRecord<>(topic, p, "k", "before")).get(30, TimeUnit.SECONDS);
            }
            String bootstrap = first.bootstrapServers();
            first.close();

            // Same state directory, same bootstrap port: a restart as an operator would do it.
            int bootstrapPort = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
            try (RunningProxy second = RunningProxy.start(cluster.bootstrapServers(),
                Map.of("listener.bootstrap-port", bootstrapPort,
                    "listener.broker-ports.first", first.server().config().listener().brokerPorts().first(),
                    "listener.broker-ports.last", first.server().config().listener().brokerPorts().last()),
                first.stateDir())) {
                assertEquals(before, portsByNode(second.bootstrapServers()), "every broker kept its port");
                // The producer never refreshed its metadata: it reconnects to the ports it knew.
                for (int p = 0; p < 6; p++) {
                    producer.send(new ProducerRecord<>(topic, p, "k", "after")).get(30, TimeUnit.SECONDS);
                }
                assertTrue(second.metric("cutover_proxy_requests_total", "api=\"Produce\"") >= 6);
            }
        } finally {
            producer.close();
        }
    }
}
