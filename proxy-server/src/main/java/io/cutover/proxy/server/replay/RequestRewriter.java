package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Makes a captured request fit to send again: what only made sense on the original connection or
 * cluster is rewritten (topic names by the topic map, topic ids to the target's, fetch sessions to
 * sessionless fetches, idempotent producer ids, epochs and sequences), the rest is sent as captured.
 */
final class RequestRewriter {
    /** APIs that only make sense inside a transaction or an exchange the replay does not re-enact. */
    static final Set<ApiKeys> SKIPPED = Set.of(ApiKeys.INIT_PRODUCER_ID, ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN,
        ApiKeys.END_TXN, ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.SASL_HANDSHAKE, ApiKeys.SASL_AUTHENTICATE);

    // v2 batch header positions beyond those RecordBatchHeaders edits (KIP-98's message format).
    private static final int ATTRIBUTES_OFFSET = DefaultRecordBatch.CRC_OFFSET + 4;
    private static final int PRODUCER_ID_OFFSET = 43;
    private static final int PRODUCER_EPOCH_OFFSET = 51;
    private static final int BASE_SEQUENCE_OFFSET = 53;
    private static final int RECORDS_COUNT_OFFSET = 57;
    private static final int TRANSACTIONAL_FLAG = 0x10;

    private final Map<String, String> topicMap;
    private final CapturedTopicIds capturedIds;
    private final TargetCluster target;
    private final ReplayProducers producers;

    RequestRewriter(Map<String, String> topicMap, CapturedTopicIds capturedIds, TargetCluster target, ReplayProducers producers) {
        this.topicMap = topicMap;
        this.capturedIds = capturedIds;
        this.target = target;
        this.producers = producers;
    }

    String topic(String captured) {
        return captured == null ? null : topicMap.getOrDefault(captured, captured);
    }

    /** The target's id for a captured id: through its captured name, mapped; the captured id when unknown. */
    private Uuid topicId(Uuid captured) throws IOException {
        if (captured == null || Uuid.ZERO_UUID.equals(captured)) {
            return captured;
        }
        String name = capturedIds.name(captured);
        if (name == null) {
            return captured; // replaying into the cluster it was captured from keeps working
        }
        Uuid id = target.topicId(topic(name));
        return id == null ? captured : id;
    }

    /** The captured name behind a request's topic (by name or id), mapped; null when unknown. */
    String targetTopic(String name, Uuid id) {
        if (name != null && !name.isEmpty()) {
            return topic(name);
        }
        String captured = id == null ? null : capturedIds.name(id);
        return captured == null ? null : topic(captured);
    }

    /** Rewrites {@code data} in place for sending; returns how many produce batches had a transaction stripped. */
    int rewrite(ApiKeys api, ApiMessage data) throws IOException {
        switch (api) {
            case PRODUCE -> {
                return produce((ProduceRequestData) data);
            }
            case FETCH -> fetch((FetchRequestData) data);
            case LIST_OFFSETS -> ((ListOffsetsRequestData) data).topics().forEach(t -> t.setName(topic(t.name())));
            case METADATA -> {
                MetadataRequestData m = (MetadataRequestData) data;
                if (m.topics() != null) {
                    for (MetadataRequestData.MetadataRequestTopic t : m.topics()) {
                        t.setName(topic(t.name()));
                        t.setTopicId(topicId(t.topicId()));
                    }
                }
            }
            case OFFSET_COMMIT -> {
                for (OffsetCommitRequestData.OffsetCommitRequestTopic t : ((OffsetCommitRequestData) data).topics()) {
                    t.setName(topic(t.name()));
                    t.setTopicId(topicId(t.topicId()));
                }
            }
            case OFFSET_FETCH -> {
                OffsetFetchRequestData o = (OffsetFetchRequestData) data;
                if (o.topics() != null) {
                    o.topics().forEach(t -> t.setName(topic(t.name())));
                }
                for (OffsetFetchRequestData.OffsetFetchRequestGroup g : o.groups()) {
                    if (g.topics() != null) {
                        for (OffsetFetchRequestData.OffsetFetchRequestTopics t : g.topics()) {
                            t.setName(topic(t.name()));
                            t.setTopicId(topicId(t.topicId()));
                        }
                    }
                }
            }
            case OFFSET_FOR_LEADER_EPOCH -> ((OffsetForLeaderEpochRequestData) data).topics().forEach(t -> t.setTopic(topic(t.topic())));
            case DELETE_RECORDS -> ((DeleteRecordsRequestData) data).topics().forEach(t -> t.setName(topic(t.name())));
            default -> {
            }
        }
        return 0;
    }

    private void fetch(FetchRequestData f) throws IOException {
        // Sessions (KIP-227) belong to the original connection: every replayed fetch is a full,
        // sessionless one naming its partitions.
        f.setSessionId(0).setSessionEpoch(-1);
        f.forgottenTopicsData().clear();
        for (FetchRequestData.FetchTopic t : f.topics()) {
            String name = targetTopic(t.topic(), t.topicId());
            if (name != null) {
                t.setTopic(name); // named too, so the request still reads at a version before topic ids
            }
            t.setTopicId(topicId(t.topicId()));
            // The captured leader epochs are the original cluster's; -1 skips the fencing check.
            t.partitions().forEach(p -> p.setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1));
        }
    }

    private int produce(ProduceRequestData p) throws IOException {
        int stripped = 0;
        p.setTransactionalId(null);
        for (ProduceRequestData.TopicProduceData t : p.topicData()) {
            String name = targetTopic(t.name(), t.topicId());
            if (name != null) {
                t.setName(name);
            }
            t.setTopicId(topicId(t.topicId()));
            for (ProduceRequestData.PartitionProduceData part : t.partitionData()) {
                if (!(part.records() instanceof MemoryRecords records)) {
                    continue;
                }
                // A private copy: the captured bytes stay as they were, and CRCs are recomputed here.
                ByteBuffer src = records.buffer();
                ByteBuffer copy = ByteBuffer.allocate(src.remaining());
                copy.put(src.duplicate()).flip();
                stripped += rewriteBatches(copy, name == null ? String.valueOf(t.topicId()) : name, part.index());
                part.setRecords(MemoryRecords.readableRecords(copy));
            }
        }
        return stripped;
    }

    private int rewriteBatches(ByteBuffer b, String topic, int partition) throws IOException {
        int stripped = 0;
        int pos = 0;
        while (pos + 61 <= b.limit()) {
            int size = 12 + b.getInt(pos + 8);
            if (size < DefaultRecordBatch.RECORD_BATCH_OVERHEAD || pos + size > b.limit() || b.get(pos + 16) != 2) {
                break;
            }
            long capturedPid = b.getLong(pos + PRODUCER_ID_OFFSET);
            boolean changed = false;
            if (capturedPid >= 0) {
                long[] producer = producers.producerFor(capturedPid);
                int records = b.getInt(pos + RECORDS_COUNT_OFFSET);
                b.putLong(pos + PRODUCER_ID_OFFSET, producer[0]);
                b.putShort(pos + PRODUCER_EPOCH_OFFSET, (short) producer[1]);
                b.putInt(pos + BASE_SEQUENCE_OFFSET, producers.nextSequence(producer[0], topic, partition, records));
                changed = true;
            }
            short attributes = b.getShort(pos + ATTRIBUTES_OFFSET);
            if ((attributes & TRANSACTIONAL_FLAG) != 0) {
                // The transaction is not re-enacted (AddPartitionsToTxn/EndTxn are skipped): its
                // records are replayed as plain idempotent writes.
                b.putShort(pos + ATTRIBUTES_OFFSET, (short) (attributes & ~TRANSACTIONAL_FLAG));
                stripped++;
                changed = true;
            }
            if (changed) {
                long crc = Crc32C.compute(b, pos + ATTRIBUTES_OFFSET, size - ATTRIBUTES_OFFSET);
                b.putInt(pos + DefaultRecordBatch.CRC_OFFSET, (int) crc);
            }
            pos += size;
        }
        return stripped;
    }
}
