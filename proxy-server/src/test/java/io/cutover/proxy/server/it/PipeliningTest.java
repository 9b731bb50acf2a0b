package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many requests sent back to back on one connection: responses come back in request order, those
 * the proxy answers itself included, and acks=0 produces neither get a response nor hold up the
 * ones behind them.
 */
@ExtendWith(KafkaClusterExtension.class)
class PipeliningTest {
    private static ProduceRequestData produce(String topic, short acks, String value) {
        ProduceRequestData p = new ProduceRequestData().setAcks(acks).setTimeoutMs(10_000);
        ProduceRequestData.TopicProduceData t = new ProduceRequestData.TopicProduceData().setName(topic);
        t.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
            .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)))));
        p.topicData().add(t);
        return p;
    }

    @Test
    void responsesKeepRequestOrderWithLocalAnswersAndAcksZero(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("pipelined");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            short produceVersion = 12;
            short metadataVersion = 12;
            short unknownApiVersions = (short) (ApiKeys.API_VERSIONS.latestVersion() + 1);
            record Expected(int correlationId, ApiKeys api, short version, short headerVersion) {
            }
            List<Expected> expected = new ArrayList<>();
            try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
                // All of it written before any response is read.
                for (int round = 0; round < 50; round++) {
                    int c = client.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
                        .setClientSoftwareName("pipeline").setClientSoftwareVersion("1"));
                    expected.add(new Expected(c, ApiKeys.API_VERSIONS, (short) 3, (short) 0));
                    client.send(ApiKeys.PRODUCE, produceVersion, produce(topic, (short) 0, "fire-and-forget-" + round));
                    c = client.send(ApiKeys.API_VERSIONS, unknownApiVersions, new ApiVersionsRequestData());
                    expected.add(new Expected(c, ApiKeys.API_VERSIONS, (short) 0, (short) 0));
                    c = client.send(ApiKeys.PRODUCE, produceVersion, produce(topic, (short) 1, "acked-" + round));
                    expected.add(new Expected(c, ApiKeys.PRODUCE, produceVersion, ApiKeys.PRODUCE.responseHeaderVersion(produceVersion)));
                    c = client.send(ApiKeys.METADATA, metadataVersion, new MetadataRequestData()
                        .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic))));
                    expected.add(new Expected(c, ApiKeys.METADATA, metadataVersion, ApiKeys.METADATA.responseHeaderVersion(metadataVersion)));
                }
                for (Expected e : expected) {
                    RawKafkaClient.Response r = RawKafkaClient.decode(client.readFrame(), e.api, e.version, e.headerVersion);
                    assertEquals(e.correlationId, r.correlationId(), "responses in request order");
                    if (e.api == ApiKeys.PRODUCE) {
                        ProduceResponseData pr = r.as(ProduceResponseData.class);
                        assertEquals(Errors.NONE.code(), pr.responses().iterator().next().partitionResponses().get(0).errorCode());
                    }
                }
                // Nothing else is owed: no response for the acks=0 produces.
                client.setTimeoutMillis(500);
                assertEquals(false, client.closedByPeer(), "the connection stays open with nothing more to read");
            }
            // The acks=0 records were written too, in order with the acknowledged ones.
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), null, Map.of())) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
                consumer.seekToBeginning(consumer.assignment());
                List<String> values = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (values.size() < 100 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(r.value());
                    }
                }
                List<String> want = new ArrayList<>();
                for (int round = 0; round < 50; round++) {
                    want.add("fire-and-forget-" + round);
                    want.add("acked-" + round);
                }
                assertEquals(want, values);
            }
        }
    }

    @Test
    void acksZeroDoesNotStallALaterRequest(EmbeddedKafkaCluster cluster) throws Exception {
        String topic = Clients.unique("acks0");
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
                for (int i = 0; i < 200; i++) {
                    client.send(ApiKeys.PRODUCE, (short) 9, produce(topic, (short) 0, "v" + i));
                }
                int c = client.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
                client.setTimeoutMillis(10_000);
                RawKafkaClient.Response r = client.receive(ApiKeys.METADATA, (short) 12);
                assertEquals(c, r.correlationId(), "the first response is the Metadata answer");
            }
            assertTrue(proxy.metric("cutover_proxy_requests_total", "api=\"Produce\"") >= 200);
        }
    }
}
