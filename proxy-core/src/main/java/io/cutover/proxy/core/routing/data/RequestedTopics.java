package io.cutover.proxy.core.routing.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Which topics and partitions a decoded request names, for every version: by name, or (Produce and
 * Fetch v13+, OffsetCommit v10+, OffsetFetch v10+, Metadata v10+) by topic id, which
 * {@code nameOfId} resolves. A topic id nobody can name is reported as a null name, so callers
 * decide whether an unknown topic counts (a fence must assume it might be one of its own).
 * The one place the routing code, the fences, the capture filter and the inventory learn this.
 */
public final class RequestedTopics {
    private RequestedTopics() {
    }

    /** Visits one partition a request names; {@code topic} is null for an id nobody can name. */
    @FunctionalInterface
    public interface PartitionVisitor {
        void partition(String topic, int partition);
    }

    /** True for the APIs whose requests name topics. */
    public static boolean namesTopics(ApiKeys api) {
        return switch (api) {
            case PRODUCE, FETCH, LIST_OFFSETS, METADATA, OFFSET_COMMIT, OFFSET_FETCH, TXN_OFFSET_COMMIT, OFFSET_FOR_LEADER_EPOCH,
                 DELETE_RECORDS -> true;
            default -> false;
        };
    }

    /** True when any topic the request names (null for an unnamed id) passes {@code test}; stops at the first. */
    public static boolean anyTopic(ApiMessage request, Function<Uuid, String> nameOfId, Predicate<String> test) {
        if (request instanceof ProduceRequestData p) {
            for (ProduceRequestData.TopicProduceData t : p.topicData()) {
                if (test.test(name(t.name(), t.topicId(), nameOfId))) {
                    return true;
                }
            }
            return false;
        }
        if (request instanceof FetchRequestData f) {
            for (FetchRequestData.FetchTopic t : f.topics()) {
                if (test.test(name(t.topic(), t.topicId(), nameOfId))) {
                    return true;
                }
            }
            return false;
        }
        for (String topic : named(request, nameOfId)) {
            if (test.test(topic)) {
                return true;
            }
        }
        return false;
    }

    /** The distinct topics a request names, unnamed ids left out, in request order. */
    public static List<String> of(ApiMessage request, Function<Uuid, String> nameOfId) {
        List<String> topics = new ArrayList<>();
        for (String t : named(request, nameOfId)) {
            if (t != null && !topics.contains(t)) {
                topics.add(t);
            }
        }
        return topics;
    }

    /** Every partition a request names. Requests that name whole topics only (Metadata) visit none. */
    public static void forEachPartition(ApiMessage request, Function<Uuid, String> nameOfId, PartitionVisitor visitor) {
        switch (ApiKeys.forId(request.apiKey())) {
            case PRODUCE -> ((ProduceRequestData) request).topicData().forEach(t -> {
                String n = name(t.name(), t.topicId(), nameOfId);
                t.partitionData().forEach(p -> visitor.partition(n, p.index()));
            });
            case FETCH -> ((FetchRequestData) request).topics().forEach(t -> {
                String n = name(t.topic(), t.topicId(), nameOfId);
                t.partitions().forEach(p -> visitor.partition(n, p.partition()));
            });
            case LIST_OFFSETS -> ((ListOffsetsRequestData) request).topics()
                .forEach(t -> t.partitions().forEach(p -> visitor.partition(t.name(), p.partitionIndex())));
            case OFFSET_COMMIT -> ((OffsetCommitRequestData) request).topics().forEach(t -> {
                String n = name(t.name(), t.topicId(), nameOfId);
                t.partitions().forEach(p -> visitor.partition(n, p.partitionIndex()));
            });
            case TXN_OFFSET_COMMIT -> ((TxnOffsetCommitRequestData) request).topics()
                .forEach(t -> t.partitions().forEach(p -> visitor.partition(t.name(), p.partitionIndex())));
            case OFFSET_FOR_LEADER_EPOCH -> ((OffsetForLeaderEpochRequestData) request).topics()
                .forEach(t -> t.partitions().forEach(p -> visitor.partition(t.topic(), p.partition())));
            case DELETE_RECORDS -> ((DeleteRecordsRequestData) request).topics()
                .forEach(t -> t.partitions().forEach(p -> visitor.partition(t.name(), p.partitionIndex())));
            case OFFSET_FETCH -> {
                OffsetFetchRequestData of = (OffsetFetchRequestData) request;
                if (of.topics() != null) {
                    of.topics().forEach(t -> t.partitionIndexes().forEach(p -> visitor.partition(t.name(), p)));
                }
                of.groups().forEach(g -> {
                    if (g.topics() != null) {
                        g.topics().forEach(t -> {
                            String n = name(t.name(), t.topicId(), nameOfId);
                            t.partitionIndexes().forEach(p -> visitor.partition(n, p));
                        });
                    }
                });
            }
            default -> {
            }
        }
    }

    private static List<String> named(ApiMessage request, Function<Uuid, String> nameOfId) {
        List<String> topics = new ArrayList<>();
        switch (ApiKeys.forId(request.apiKey())) {
            case PRODUCE -> ((ProduceRequestData) request).topicData().forEach(t -> topics.add(name(t.name(), t.topicId(), nameOfId)));
            case FETCH -> ((FetchRequestData) request).topics().forEach(t -> topics.add(name(t.topic(), t.topicId(), nameOfId)));
            case LIST_OFFSETS -> ((ListOffsetsRequestData) request).topics().forEach(t -> topics.add(t.name()));
            case METADATA -> {
                MetadataRequestData md = (MetadataRequestData) request;
                if (md.topics() != null) {
                    md.topics().forEach(t -> topics.add(name(t.name(), t.topicId(), nameOfId)));
                }
            }
            case OFFSET_COMMIT -> ((OffsetCommitRequestData) request).topics().forEach(t -> topics.add(name(t.name(), t.topicId(), nameOfId)));
            case OFFSET_FETCH -> {
                OffsetFetchRequestData of = (OffsetFetchRequestData) request;
                if (of.topics() != null) {
                    of.topics().forEach(t -> topics.add(t.name()));
                }
                of.groups().forEach(g -> {
                    if (g.topics() != null) {
                        g.topics().forEach(t -> topics.add(name(t.name(), t.topicId(), nameOfId)));
                    }
                });
            }
            case TXN_OFFSET_COMMIT -> ((TxnOffsetCommitRequestData) request).topics().forEach(t -> topics.add(t.name()));
            case OFFSET_FOR_LEADER_EPOCH -> ((OffsetForLeaderEpochRequestData) request).topics().forEach(t -> topics.add(t.topic()));
            case DELETE_RECORDS -> ((DeleteRecordsRequestData) request).topics().forEach(t -> topics.add(t.name()));
            default -> {
            }
        }
        return topics;
    }

    /** A topic's name as the request gives it, or as its id resolves; null when neither says. */
    public static String name(String name, Uuid id, Function<Uuid, String> nameOfId) {
        if (name != null && !name.isEmpty()) {
            return name;
        }
        if (id == null || Uuid.ZERO_UUID.equals(id)) {
            return null;
        }
        return nameOfId.apply(id);
    }
}
