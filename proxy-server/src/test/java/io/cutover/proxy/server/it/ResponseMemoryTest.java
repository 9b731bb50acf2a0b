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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The proxy-wide response memory (limits.response-memory) against clients that ask for large fetches
 * and never read the answers, with a real broker, real consumers and a client on a slow link beside
 * them. Without the budget each such client leaves a whole Fetch response (as large as it asks) in
 * the proxy for as long as it stays connected.
 */
@ExtendWith(KafkaClusterExtension.class)
class ResponseMemoryTest {
    private static final long BUDGET = 10L * 1024 * 1024;
    /** Seven records of this size answer each hostile fetch: more than the proxy's socket and the client's small receive buffer hold. */
    private static final int RECORD = 1_000_000;
    private static final int RECORDS = 24;
    private static final int FETCH_BYTES = 7 * 1024 * 1024;

    @Test
    void consumersThatDoNotReadCannotTakeTheProxysMemoryFromOtherClients(EmbeddedKafkaCluster cluster) throws Exception {
        String big = Clients.unique("response-memory");
        String small = Clients.unique("response-memory-small");
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            Topics.create(admin, new NewTopic(big, 1, (short) 1).configs(Map.of("max.message.bytes", String.valueOf(2 * RECORD))));
            Topics.create(admin, new NewTopic(small, 1, (short) 1));
        }
        Map<String, Object> large = Map.of("max.request.size", 2 * RECORD, "linger.ms", 0);
        try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(), large)) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(big, String.valueOf(i), String.valueOf((char) ('a' + i % 26)).repeat(RECORD)))
                    .get(30, TimeUnit.SECONDS);
            }
        }

        List<RawKafkaClient> hostile = new ArrayList<>();
        AtomicLong mostReserved = new AtomicLong();
        try (RunningProxy proxy = RunningProxy.in(cluster, Map.of("limits.response-memory", "10 MiB", "limits.response-read-timeout",
                 "3 seconds"));
             LogCapture log = LogCapture.connections()) {
            // A client on a slow link (about 5 Mbit/s) asks first: its answer takes it over 10 s to read,
            // longer than the read timeout, but it keeps reading, so it keeps its connection while others wait.
            RawKafkaClient slow = RawKafkaClient.connectWithReceiveBuffer(proxy.bootstrapServers(), 64 * 1024);
            hostile.add(slow);
            slow.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
            slow.receive(ApiKeys.API_VERSIONS, (short) 3);
            slow.send(ApiKeys.FETCH, (short) 12, fetch(big));
            Await.until("the slow client's answer holds response memory", Duration.ofSeconds(10), () ->
                sampled(proxy, mostReserved) > 6_000_000);
            // Three connections each ask for 7 MB of records and read none of it: they wait their turn.
            for (int i = 0; i < 3; i++) {
                RawKafkaClient c = RawKafkaClient.connectWithReceiveBuffer(proxy.bootstrapServers(), 4096);
                c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
                c.receive(ApiKeys.API_VERSIONS, (short) 3);
                c.send(ApiKeys.FETCH, (short) 12, fetch(big));
                hostile.add(c);
            }
            Await.until("the three wait", Duration.ofSeconds(10), () ->
                sampled(proxy, mostReserved) > 6_000_000 && proxy.metric("cutover_proxy_response_memory_waiting") == 3);
            long slowFrom = System.nanoTime();
            CompletableFuture<Long> slowTook = new CompletableFuture<>();
            CompletableFuture<byte[]> slowAnswer = CompletableFuture.supplyAsync(() -> {
                byte[] frame = slow.readFrameSlowly(64 * 1024, Duration.ofMillis(100));
                slowTook.complete((System.nanoTime() - slowFrom) / 1_000_000);
                return frame;
            });

            // A consumer of small records goes on throughout; one of the large records waits its turn
            // behind the unread answers, whose connections are closed one after another.
            List<String> smallRead = new ArrayList<>();
            List<String> bigRead = new ArrayList<>();
            int smallReadWhileWaiting = 0;
            try (KafkaProducer<String, String> smallProducer = Clients.producer(proxy.bootstrapServers(), Map.of("linger.ms", 0));
                 KafkaConsumer<String, String> smallConsumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("small"), Map.of());
                 // It waits behind all four; a fetch that waits past its request timeout is sent again, which is slower.
                 KafkaConsumer<String, String> bigConsumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("big"),
                     Map.of("fetch.max.bytes", FETCH_BYTES, "max.partition.fetch.bytes", FETCH_BYTES, "request.timeout.ms", 90_000))) {
                smallConsumer.subscribe(List.of(small));
                bigConsumer.subscribe(List.of(big));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
                int sent = 0;
                while (bigRead.size() < RECORDS) {
                    assertTrue(System.nanoTime() < deadline, "every large record read within 90 s; read " + bigRead.size());
                    smallProducer.send(new ProducerRecord<>(small, "small-" + sent)).get(10, TimeUnit.SECONDS);
                    sent++;
                    for (ConsumerRecord<String, String> r : smallConsumer.poll(Duration.ofMillis(100))) {
                        smallRead.add(r.value());
                        if (bigRead.isEmpty()) {
                            smallReadWhileWaiting++;
                        }
                    }
                    for (ConsumerRecord<String, String> r : bigConsumer.poll(Duration.ofMillis(100))) {
                        assertEquals(RECORD, r.value().length());
                        bigRead.add(r.key());
                    }
                    sampled(proxy, mostReserved);
                }
                System.out.println("RESPONSE-MEMORY small records read while the large ones waited: " + smallReadWhileWaiting
                    + "; most reserved: " + mostReserved.get() + " bytes");
                assertTrue(smallReadWhileWaiting > 0, "small records were read while the large ones waited");
            }
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                expected.add(String.valueOf(i));
            }
            assertEquals(expected, bigRead, "every large record, once, in order");

            FetchResponseData slowFetch = RawKafkaClient.decode(slowAnswer.get(30, TimeUnit.SECONDS), ApiKeys.FETCH, (short) 12,
                ApiKeys.FETCH.responseHeaderVersion((short) 12)).as(FetchResponseData.class);
            int slowRecords = 0;
            for (var batch : ((org.apache.kafka.common.record.internal.MemoryRecords) slowFetch.responses().get(0).partitions().get(0).records())
                .batches()) {
                for (var ignored : batch) {
                    slowRecords++;
                }
            }
            assertEquals(7, slowRecords, "the slow client got its whole answer");
            System.out.println("RESPONSE-MEMORY the slow client read its answer in " + slowTook.get() + " ms");
            assertTrue(slowTook.get() > 3_000, "it read for longer than the read timeout: " + slowTook.get() + " ms");
            slow.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("t").setClientSoftwareVersion("1"));
            slow.receive(ApiKeys.API_VERSIONS, (short) 3);
            hostile.remove(slow);
            slow.close();

            for (RawKafkaClient c : hostile) {
                c.setTimeoutMillis(30_000);
                assertTrue(c.closedByPeer(), "a connection whose unread answer kept others waiting is closed");
            }
            Await.until("each closing says why, naming the limits", Duration.ofSeconds(10), () ->
                log.lines().stream().filter(l -> l.contains("limits.response-read-timeout") && l.contains("SLOW_RESPONSE_READER")).count() == 3);
            assertEquals(3.0, proxy.metric("cutover_proxy_errors_total", "code=\"SLOW_RESPONSE_READER\""));
            Await.until("every reservation returned", Duration.ofSeconds(10), () ->
                sampled(proxy, mostReserved) == 0 && proxy.metric("cutover_proxy_response_memory_waiting") == 0);
            assertTrue(mostReserved.get() <= BUDGET, "at most the budget was ever reserved: " + mostReserved.get());
            assertTrue(proxy.metric("cutover_proxy_response_memory_waits_total") >= 3, "the large records waited too");
        } finally {
            hostile.forEach(RawKafkaClient::close);
        }
    }

    private static FetchRequestData fetch(String topic) {
        return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(500).setMinBytes(1).setMaxBytes(FETCH_BYTES).setIsolationLevel((byte) 0)
            .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setLogStartOffset(-1)
                    .setPartitionMaxBytes(FETCH_BYTES)))));
    }

    private static double sampled(RunningProxy proxy, AtomicLong most) {
        double now = proxy.metric("cutover_proxy_response_memory_reserved_bytes");
        most.accumulateAndGet((long) now, Math::max);
        return now;
    }
}
