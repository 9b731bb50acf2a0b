package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MutableRecordBatch;

/**
 * Fetch on a connection to one cluster. Partitions of topics that now route elsewhere are answered
 * NOT_LEADER_OR_FOLLOWER at once (the request goes upstream without them and without waiting);
 * the rest go upstream with real topic ids. When virtualising, leader epochs are withheld both ways
 * (-1 in the request, -1 in the answer and in every record batch header), so neither fencing nor
 * truncation detection can fire falsely after a move.
 */
public final class FetchRouting {
    private FetchRouting() {
    }

    public static Routed route(FetchRequestData request, short version, RequestScope scope) {
        Misrouted misrouted = null;
        boolean changed = false;
        Iterator<FetchTopic> it = request.topics().iterator();
        while (it.hasNext()) {
            FetchTopic t = it.next();
            TopicResolution topic = TopicResolution.of(scope, version, t.topic(), t.topicId());
            if (!topic.routed()) {
                misrouted = Misrouted.orNew(misrouted);
                for (FetchPartition p : t.partitions()) {
                    misrouted.add(t.topic(), t.topicId(), p.partition(), topic.error());
                }
                it.remove();
                changed = true;
                continue;
            }
            if (topic.realId() != null) {
                t.setTopicId(topic.realId());
                changed = true;
            }
            if (scope.virtualize()) {
                for (FetchPartition p : t.partitions()) {
                    if (p.currentLeaderEpoch() != -1 || p.lastFetchedEpoch() != -1) {
                        p.setCurrentLeaderEpoch(-1).setLastFetchedEpoch(-1);
                        changed = true;
                    }
                }
            }
        }
        if (TopicResolution.byId(version) && scope.virtualize() && !request.forgottenTopicsData().isEmpty()) {
            List<ForgottenTopic> forgotten = new ArrayList<>();
            for (ForgottenTopic f : request.forgottenTopicsData()) {
                Uuid real = scope.topicIds().realOfVirtual(scope.cluster(), f.topicId());
                if (real != null) {
                    forgotten.add(f.setTopicId(real));
                }
            }
            request.setForgottenTopicsData(forgotten);
            changed = true;
        }
        if (misrouted != null) {
            // The client is waiting to hear it must move; do not let the broker hold the answer.
            request.setMaxWaitMs(0);
        }
        return changed ? new Routed(request, true, misrouted) : Routed.UNCHANGED;
    }

    /** The answer that makes a client drop its fetch session and start a new one with a full fetch. */
    public static FetchResponseData sessionReset() {
        return new FetchResponseData().setErrorCode(Errors.FETCH_SESSION_ID_NOT_FOUND.code()).setSessionId(0);
    }

    /**
     * Completes an upstream answer. Returns true when the answer changed. Batch headers are edited in
     * place (partitionLeaderEpoch is outside the batch CRC).
     */
    public static boolean complete(FetchResponseData response, short version, Misrouted misrouted, String cluster, TopicIds ids,
                                   boolean virtualize) {
        boolean changed = false;
        boolean byId = TopicResolution.byId(version);
        if (virtualize) {
            for (FetchableTopicResponse t : response.responses()) {
                if (byId) {
                    Uuid virtual = ids.virtualOfReal(cluster, t.topicId());
                    if (virtual != null) {
                        t.setTopicId(virtual);
                        changed = true;
                    }
                }
                for (PartitionData p : t.partitions()) {
                    changed |= withholdEpochs(p);
                }
            }
        }
        if (misrouted != null && !misrouted.isEmpty()) {
            for (Misrouted.Partition m : misrouted.partitions()) {
                FetchableTopicResponse t = new FetchableTopicResponse().setTopic(m.topic()).setTopicId(m.topicId());
                t.partitions().add(new PartitionData().setPartitionIndex(m.partition()).setErrorCode(m.errorCode())
                    .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY));
                response.responses().add(t);
            }
            changed = true;
        }
        return changed;
    }

    private static boolean withholdEpochs(PartitionData p) {
        boolean changed = false;
        if (p.currentLeader().leaderEpoch() != -1) {
            p.currentLeader().setLeaderEpoch(-1);
            changed = true;
        }
        if (p.divergingEpoch().epoch() != -1) {
            p.divergingEpoch().setEpoch(-1).setEndOffset(-1);
            changed = true;
        }
        if (p.records() instanceof MemoryRecords records) {
            for (MutableRecordBatch batch : records.batches()) {
                if (batch.partitionLeaderEpoch() != -1) {
                    batch.setPartitionLeaderEpoch(-1);
                }
            }
        }
        return changed;
    }
}
