package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proxy-wide request memory (limits.request-memory) against clients that declare large frames
 * and send them slowly, with a real broker and real producers beside them.
 */
@ExtendWith(KafkaClusterExtension.class)
class RequestMemoryTest {
    private static final long BUDGET = 4L * 1024 * 1024;
    private static final int HOSTILE_FRAME = 3 * 1024 * 1024;

    @Test
    void slowLargeFramesCannotTakeTheProxysMemoryFromOtherClients(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("request-memory");
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", String.valueOf(8 * 1024 * 1024))));
        }
        List<RawKafkaClient> hostile = new ArrayList<>();
        AtomicLong mostReserved = new AtomicLong();
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.request-memory", "4 MiB", "limits.request-frame-timeout",
                 "3 seconds"));
             LogCapture log = LogCapture.connections()) {
            // Three connections each declare a 3 MiB request and send a quarter of it: only one fits.
            for (int i = 0; i < 3; i++) {
                RawKafkaClient c = RawKafkaClient.connect(proxy.bootstrapServers());
                c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
                c.receive(ApiKeys.API_VERSIONS, (short) 3);
                c.sendBytes(ByteBuffer.allocate(4 + HOSTILE_FRAME / 4).putInt(HOSTILE_FRAME).array());
                hostile.add(c);
            }
            Await.until("one slow frame holds request memory and the other two wait", Duration.ofSeconds(10), () ->
                sampled(proxy, mostReserved) == HOSTILE_FRAME + 4 && proxy.metric("cutover_proxy_request_memory_waiting") == 2);

            // A producer of small records goes on throughout. Another producer's large record waits its
            // turn behind the slow frames, which lose their connections one after another. (Two
            // producers: on one connection the small requests would queue behind the large one.)
            Set<String> acked = new HashSet<>();
            String large = "L".repeat(1536 * 1024);
            Map<String, Object> settings = Map.of("linger.ms", 0, "max.request.size", 8 * 1024 * 1024, "enable.idempotence", true,
                "acks", "all");
            try (KafkaProducer<String, String> small = Clients.producer(proxy.bootstrapServers(), settings);
                 KafkaProducer<String, String> big = Clients.producer(proxy.bootstrapServers(), settings)) {
                for (int i = 0; i < 5; i++) {
                    small.send(new ProducerRecord<>(topic, "small-" + i)).get(10, TimeUnit.SECONDS);
                    acked.add("small-" + i);
                }
                long sentAt = System.nanoTime();
                Future<RecordMetadata> largeSent = big.send(new ProducerRecord<>(topic, large));
                int next = 5;
                int whileWaiting = 0;
                while (!largeSent.isDone()) {
                    small.send(new ProducerRecord<>(topic, "small-" + next)).get(10, TimeUnit.SECONDS);
                    acked.add("small-" + next++);
                    if (!largeSent.isDone()) {
                        whileWaiting++;
                    }
                    sampled(proxy, mostReserved);
                }
                largeSent.get(0, TimeUnit.SECONDS);
                acked.add(large);
                System.out.println("REQUEST-MEMORY large record acknowledged after " + (System.nanoTime() - sentAt) / 1_000_000
                    + " ms; small records acknowledged meanwhile: " + whileWaiting + "; most reserved: " + mostReserved.get() + " bytes");
                assertTrue(whileWaiting > 0, "small records were acknowledged while the large one waited");
            }

            for (RawKafkaClient c : hostile) {
                c.setTimeoutMillis(30_000);
                assertTrue(c.closedByPeer(), "a connection whose slow frame kept others waiting is closed");
            }
            Await.until("each closing says why, naming the limits", Duration.ofSeconds(10), () ->
                log.lines().stream().filter(l -> l.contains("limits.request-frame-timeout") && l.contains("SLOW_REQUEST_FRAME")).count() == 3);
            assertEquals(3.0, proxy.metric("cutover_proxy_errors_total", "code=\"SLOW_REQUEST_FRAME\""));
            Await.until("every reservation returned", Duration.ofSeconds(10), () ->
                sampled(proxy, mostReserved) == 0 && proxy.metric("cutover_proxy_request_memory_waiting") == 0);
            assertTrue(mostReserved.get() <= BUDGET, "at most the budget was ever reserved: " + mostReserved.get());
            assertTrue(proxy.metric("cutover_proxy_request_memory_waits_total") >= 3, "the large record waited too");

            // Nothing the producer was told is written is missing.
            Set<String> read = new HashSet<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(cluster.bootstrapServers(), Clients.unique("g"),
                     Map.of("max.partition.fetch.bytes", 8 * 1024 * 1024, "fetch.max.bytes", 16 * 1024 * 1024))) {
                consumer.subscribe(List.of(topic));
                Await.until("every acknowledged record read back", Duration.ofSeconds(30), () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                    return read.containsAll(acked);
                });
            }
        } finally {
            hostile.forEach(RawKafkaClient::close);
        }
    }

    private static double sampled(RunningProxy proxy, AtomicLong most) {
        double now = proxy.metric("cutover_proxy_request_memory_reserved_bytes");
        most.accumulateAndGet((long) now, Math::max);
        return now;
    }
}
