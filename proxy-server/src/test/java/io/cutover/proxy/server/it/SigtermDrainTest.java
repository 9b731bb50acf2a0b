package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.ProxyProcess;
import io.cutover.proxy.server.testkit.TopicLog;
import io.cutover.proxy.server.testkit.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIGTERM (what Kubernetes, systemd and ECS send before replacing a process) drains the proxy run
 * from the command line: an idempotent producer in full flow through it is answered for every
 * request the proxy read, then the process exits 0 by itself. Every value the producer saw
 * acknowledged is in the broker's log exactly once.
 */
@ExtendWith(KafkaClusterExtension.class)
class SigtermDrainTest {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @Test
    void sigtermDrainsAnInFlightProducerThenExitsZero(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("sigterm");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 3, (short) 1));
        }
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicReference<Exception> failed = new AtomicReference<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        try (ProxyProcess proxy = ProxyProcess.start(source.bootstrapServers(), null, Map.of("fleet.drain-period", "2 seconds"))) {
            Map<String, Object> producerConfig = DrainTest.idempotentSmallBatches();
            producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 5_000);
            producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 4_000);
            KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), producerConfig);
            Thread sender = DrainTest.sender(producer, topic, acked, sending, failed);
            try {
                Await.until("acknowledged writes through the proxy process", PATIENCE, () -> acked.size() >= 2000);
                long sent = System.nanoTime();
                proxy.terminate();
                // drain-period 2 s and 5 s of grace at most, plus the JVM's shutdown.
                int code = proxy.awaitExit(Duration.ofSeconds(30));
                System.out.println("SIGTERM to exit: " + (System.nanoTime() - sent) / 1_000_000 + " ms, " + acked.size() + " acknowledged");
                assertEquals(0, code, () -> "exit code after SIGTERM:\n" + proxy.tail(30));
                assertTrue(proxy.tail(200).contains("drained: every client connection is closed"),
                    () -> "the drain closed the producer's connections before the exit:\n" + proxy.tail(400));
            } finally {
                sending.set(false);
                sender.join();
                // The proxy is gone: what was not acknowledged is abandoned, never counted.
                producer.close(Duration.ZERO);
            }
        }
        assertNull(failed.get(), () -> "send threw: " + failed.get());
        Map<String, Integer> inLog = TopicLog.valueCounts(source.bootstrapServers(), topic);
        List<String> missing = new ArrayList<>();
        for (String v : acked) {
            if (!inLog.containsKey(v)) {
                missing.add(v);
            }
        }
        List<String> doubled = inLog.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
        assertTrue(missing.isEmpty(), () -> missing.size() + " acknowledged values are not in the log, e.g. " + missing.get(0));
        assertTrue(doubled.isEmpty(), () -> doubled.size() + " values are in the log more than once, e.g. " + doubled.get(0));
    }
}
