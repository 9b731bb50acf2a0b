package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.TopicIds;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;

/**
 * Topic ids and leader epochs in the group and admin APIs, translated between what clients see
 * (virtual topic ids, no epochs) and what one cluster knows (its real ids). Each method returns
 * true when it changed the message.
 */
public final class IdentityRewriting {
    private IdentityRewriting() {
    }

    private static Uuid toReal(Uuid virtual, RequestScope scope) {
        if (virtual == null || Uuid.ZERO_UUID.equals(virtual)) {
            return virtual;
        }
        Uuid real = scope.topicIds().realOfVirtual(scope.cluster(), virtual);
        return real != null ? real : virtual;
    }

    private static Uuid toVirtual(Uuid real, String cluster, TopicIds ids) {
        if (real == null || Uuid.ZERO_UUID.equals(real)) {
            return real;
        }
        Uuid virtual = ids.virtualOfReal(cluster, real);
        return virtual != null ? virtual : real;
    }

    public static boolean offsetCommitRequest(OffsetCommitRequestData r, RequestScope scope) {
        for (OffsetCommitRequestData.OffsetCommitRequestTopic t : r.topics()) {
            t.setTopicId(toReal(t.topicId(), scope));
            // An epoch from the other cluster would make the broker refuse or mis-validate the offset.
            t.partitions().forEach(p -> p.setCommittedLeaderEpoch(-1));
        }
        return true;
    }

    public static boolean offsetCommitResponse(OffsetCommitResponseData r, String cluster, TopicIds ids) {
        r.topics().forEach(t -> t.setTopicId(toVirtual(t.topicId(), cluster, ids)));
        return true;
    }

    public static boolean txnOffsetCommitRequest(TxnOffsetCommitRequestData r) {
        r.topics().forEach(t -> t.partitions().forEach(p -> p.setCommittedLeaderEpoch(-1)));
        return true;
    }

    public static boolean offsetFetchRequest(OffsetFetchRequestData r, RequestScope scope) {
        for (OffsetFetchRequestData.OffsetFetchRequestGroup g : r.groups()) {
            if (g.topics() != null) {
                g.topics().forEach(t -> t.setTopicId(toReal(t.topicId(), scope)));
            }
        }
        return true;
    }

    public static boolean offsetFetchResponse(OffsetFetchResponseData r, String cluster, TopicIds ids) {
        r.topics().forEach(t -> t.partitions().forEach(p -> p.setCommittedLeaderEpoch(-1)));
        for (OffsetFetchResponseData.OffsetFetchResponseGroup g : r.groups()) {
            for (OffsetFetchResponseData.OffsetFetchResponseTopics t : g.topics()) {
                t.setTopicId(toVirtual(t.topicId(), cluster, ids));
                t.partitions().forEach(p -> p.setCommittedLeaderEpoch(-1));
            }
        }
        return true;
    }

    public static boolean consumerGroupHeartbeatRequest(ConsumerGroupHeartbeatRequestData r, RequestScope scope) {
        if (r.topicPartitions() != null) {
            r.topicPartitions().forEach(t -> t.setTopicId(toReal(t.topicId(), scope)));
        }
        return true;
    }

    /** KIP-848 assignments name topics by id only; they must be the ids the client knows. */
    public static boolean consumerGroupHeartbeatResponse(ConsumerGroupHeartbeatResponseData r, String cluster, TopicIds ids) {
        if (r.assignment() != null) {
            r.assignment().topicPartitions().forEach(t -> t.setTopicId(toVirtual(t.topicId(), cluster, ids)));
        }
        return true;
    }

    public static boolean createTopicsResponse(CreateTopicsResponseData r, String cluster, TopicIds ids) {
        for (CreateTopicsResponseData.CreatableTopicResult t : r.topics()) {
            ids.learn(cluster, t.name(), t.topicId());
            if (t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                t.setTopicId(ids.virtualId(t.name()));
            }
        }
        return true;
    }

    public static boolean deleteTopicsRequest(DeleteTopicsRequestData r, RequestScope scope) {
        r.topics().forEach(t -> t.setTopicId(toReal(t.topicId(), scope)));
        return true;
    }

    public static boolean deleteTopicsResponse(DeleteTopicsResponseData r, String cluster, TopicIds ids) {
        r.responses().forEach(t -> t.setTopicId(toVirtual(t.topicId(), cluster, ids)));
        return true;
    }
}
