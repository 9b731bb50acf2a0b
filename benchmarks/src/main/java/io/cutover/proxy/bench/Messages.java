package io.cutover.proxy.bench;

import io.cutover.proxy.core.codec.MessageCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;

/** Realistic messages for the benchmarks, built with Kafka's own classes. */
final class Messages {
    static final int RECORD_BYTES = 1024;

    private Messages() {
    }

    /** An idempotent batch of {@code records} 1 KiB records, as a Java producer sends it. */
    static MemoryRecords batch(int records, long producerId, int leaderEpoch) {
        SimpleRecord[] rs = new SimpleRecord[records];
        byte[] value = new byte[RECORD_BYTES];
        for (int i = 0; i < records; i++) {
            rs[i] = new SimpleRecord(System.currentTimeMillis(), ("key-" + i).getBytes(), value);
        }
        return MemoryRecords.withRecords((byte) 2, 0L, Compression.NONE, TimestampType.CREATE_TIME, producerId, (short) 0, 0,
            leaderEpoch, false, rs);
    }

    static ByteBuf produceRequest(short version, int topics, int partitions, int recordsPerPartition) {
        ProduceRequestData p = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000);
        for (int t = 0; t < topics; t++) {
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData().setName("topic-" + t)
                .setTopicId(Uuid.randomUuid());
            for (int i = 0; i < partitions; i++) {
                td.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(i)
                    .setRecords(batch(recordsPerPartition, 4242L, 5)));
            }
            p.topicData().add(td);
        }
        return request(ApiKeys.PRODUCE, version, p);
    }

    static ByteBuf fetchRequest(short version, int topics, int partitions) {
        List<FetchRequestData.FetchTopic> ts = new ArrayList<>();
        for (int t = 0; t < topics; t++) {
            List<FetchRequestData.FetchPartition> ps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                ps.add(new FetchRequestData.FetchPartition().setPartition(i).setFetchOffset(1000L * i).setPartitionMaxBytes(1 << 20));
            }
            ts.add(new FetchRequestData.FetchTopic().setTopic("topic-" + t).setTopicId(Uuid.randomUuid()).setPartitions(ps));
        }
        FetchRequestData f = new FetchRequestData().setMaxWaitMs(500).setMinBytes(1).setMaxBytes(50 << 20).setSessionId(7)
            .setSessionEpoch(3).setTopics(ts).setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(-1));
        return request(ApiKeys.FETCH, version, f);
    }

    static FetchResponseData fetchResponse(Uuid topicId, int partitions, int recordsPerPartition) {
        FetchResponseData f = new FetchResponseData().setSessionId(7);
        List<FetchResponseData.PartitionData> ps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            ps.add(new FetchResponseData.PartitionData().setPartitionIndex(i).setHighWatermark(100_000).setLastStableOffset(100_000)
                .setRecords(batch(recordsPerPartition, -1L, 17)));
        }
        f.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("topic-0").setTopicId(topicId).setPartitions(ps));
        return f;
    }

    static MetadataResponseData metadataResponse(int brokers, int topics, int partitions) {
        MetadataResponseData m = new MetadataResponseData().setClusterId("real-cluster").setControllerId(1);
        for (int b = 1; b <= brokers; b++) {
            m.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(b).setHost("broker-" + b + ".internal")
                .setPort(9092).setRack("rack-" + b));
        }
        for (int t = 0; t < topics; t++) {
            MetadataResponseData.MetadataResponseTopic topic = new MetadataResponseData.MetadataResponseTopic().setName("topic-" + t)
                .setTopicId(Uuid.randomUuid());
            for (int p = 0; p < partitions; p++) {
                int leader = 1 + (p % brokers);
                topic.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(p).setLeaderId(leader)
                    .setLeaderEpoch(3).setReplicaNodes(new ArrayList<>(List.of(leader, 1 + (leader % brokers))))
                    .setIsrNodes(new ArrayList<>(List.of(leader, 1 + (leader % brokers)))));
            }
            m.topics().add(topic);
        }
        return m;
    }

    static ByteBuf request(ApiKeys api, short version, org.apache.kafka.common.protocol.ApiMessage body) {
        RequestHeaderData h = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version).setCorrelationId(17)
            .setClientId("producer-1");
        return MessageCodec.encodeRequest(PooledByteBufAllocator.DEFAULT, h, body);
    }

    static ByteBuf response(ApiKeys api, short version, org.apache.kafka.common.protocol.ApiMessage body) {
        return MessageCodec.encodeResponse(PooledByteBufAllocator.DEFAULT, 17, api, version, body);
    }
}
