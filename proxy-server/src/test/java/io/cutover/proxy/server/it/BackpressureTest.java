package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.netty.buffer.PooledByteBufAllocator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that does not read, and a broker that cannot keep up: the proxy stops reading from the
 * other side instead of buffering, so its memory stays bounded, and everything arrives once the
 * slow side catches up.
 */
@ExtendWith(KafkaClusterExtension.class)
class BackpressureTest {
    private static final int RECORD_BYTES = 1024;
    private static final int FETCH_BYTES = 8 * 1024 * 1024;

    @Test
    void aClientThatDoesNotReadDoesNotFillTheProxy(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("slow-reader");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            Uuid topicId = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).topicId();
            try (KafkaProducer<String, String> producer = Clients.producer(cluster.bootstrapServers(),
                Map.of(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024, ProducerConfig.LINGER_MS_CONFIG, 20))) {
                String value = "x".repeat(RECORD_BYTES);
                for (int i = 0; i < 12_000; i++) {
                    producer.send(new ProducerRecord<>(topic, 0, null, value));
                }
                producer.flush();
            }
            int requests = 40; // 40 x 8 MiB = 320 MiB asked for, ~12 MiB on disk, each answer ~8 MiB
            short version = ApiKeys.FETCH.latestVersion();
            long baseline = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
                List<Integer> sent = new ArrayList<>();
                for (int i = 0; i < requests; i++) {
                    sent.add(client.send(ApiKeys.FETCH, version, fetch(topicId)));
                }
                Await.until("the proxy pauses reading from the broker", Duration.ofSeconds(30),
                    () -> proxy.metric("cutover_proxy_backpressure_pauses_total", "paused=\"upstream\"") >= 1);
                // While the client reads nothing, what the proxy holds stays around a frame or two.
                // Sampled over two seconds: without backpressure it would climb towards 320 MiB.
                long held = 0;
                long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
                while (System.nanoTime() < end) {
                    held = Math.max(held, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory() - baseline);
                    Thread.sleep(20);
                }
                assertTrue(held < 64L * 1024 * 1024, "proxy holds " + held / (1024 * 1024) + " MiB for a stalled reader of 320 MiB");

                for (int correlationId : sent) {
                    RawKafkaClient.Response r = client.receive(ApiKeys.FETCH, version);
                    assertEquals(correlationId, r.correlationId());
                    FetchResponseData.PartitionData p = r.as(FetchResponseData.class).responses().get(0).partitions().get(0);
                    assertEquals(Errors.NONE.code(), p.errorCode());
                    assertTrue(p.records().sizeInBytes() > FETCH_BYTES / 2, "each answer carries records");
                }
            }
        }
    }

    @Test
    void aBrokerThatCannotKeepUpSlowsTheClientDown(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("fast-writer");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            // 180 MiB sent without reading an answer: a broker handles one request per connection at a time,
            // so however fast it is at the moment, the proxy's buffer towards it fills well before the end.
            int requests = 200;
            byte[] value = new byte[900 * 1024];
            try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
                List<Integer> sent = new ArrayList<>();
                for (int i = 0; i < requests; i++) {
                    ProduceRequestData p = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000);
                    ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
                    t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                        .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value))));
                    p.topicData().add(t);
                    sent.add(client.send(ApiKeys.PRODUCE, (short) 12, p));
                }
                for (int correlationId : sent) {
                    RawKafkaClient.Response r = client.receive(ApiKeys.PRODUCE, (short) 12);
                    assertEquals(correlationId, r.correlationId());
                    assertEquals(Errors.NONE.code(),
                        r.as(ProduceResponseData.class).responses().iterator().next().partitionResponses().get(0).errorCode());
                }
            }
            assertTrue(proxy.metric("cutover_proxy_backpressure_pauses_total", "paused=\"client\"") >= 1,
                "the proxy paused reading from the client while the broker was busy");
        }
    }

    private static FetchRequestData fetch(Uuid topicId) {
        return new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(FETCH_BYTES)
            .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(-1))
            .setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(List.of(
                new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(FETCH_BYTES)))));
    }
}
