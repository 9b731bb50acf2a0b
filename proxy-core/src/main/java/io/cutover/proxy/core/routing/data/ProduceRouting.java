package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponseCollection;
import org.apache.kafka.common.protocol.Errors;

/**
 * Produce on a connection to one cluster: partitions of topics that now route elsewhere are answered
 * NOT_LEADER_OR_FOLLOWER, the rest go upstream with real topic ids (v13+).
 */
public final class ProduceRouting {
    private ProduceRouting() {
    }

    public static Routed route(ProduceRequestData request, short version, RequestScope scope) {
        Misrouted misrouted = null;
        TopicProduceDataCollection kept = new TopicProduceDataCollection(request.topicData().size());
        boolean changed = false;
        for (TopicProduceData t : request.topicData()) {
            TopicResolution topic = TopicResolution.of(scope, version, t.name(), t.topicId());
            if (!topic.routed()) {
                misrouted = Misrouted.orNew(misrouted);
                for (PartitionProduceData p : t.partitionData()) {
                    misrouted.add(t.name(), t.topicId(), p.index(), topic.error());
                }
                changed = true;
                continue;
            }
            if (scope.producers() != null) {
                List<PartitionProduceData> ready = new ArrayList<>(t.partitionData().size());
                for (PartitionProduceData p : t.partitionData()) {
                    Errors held = ProducerBatches.mapToCluster(p, topic.name(), scope);
                    if (held == Errors.NONE) {
                        ready.add(p);
                    } else {
                        // No real producer id at hand yet, or not the producer's next batch here:
                        // answered as a broker would, and the batch comes back in a moment.
                        misrouted = Misrouted.orNew(misrouted);
                        misrouted.add(t.name(), t.topicId(), p.index(), held.code());
                        changed = true;
                    }
                }
                if (ready.size() != t.partitionData().size()) {
                    t.setPartitionData(ready);
                }
                if (ready.isEmpty()) {
                    continue;
                }
            }
            // The topic id is part of the collection's key: add a copy rather than edit in place.
            TopicProduceData copy = new TopicProduceData().setName(t.name()).setTopicId(topic.realId() != null ? topic.realId() : t.topicId())
                .setPartitionData(t.partitionData());
            changed |= topic.realId() != null;
            kept.add(copy);
        }
        if (!changed) {
            return Routed.UNCHANGED;
        }
        ProduceRequestData forward = kept.isEmpty() ? null : new ProduceRequestData().setAcks(request.acks())
            .setTimeoutMs(request.timeoutMs()).setTransactionalId(request.transactionalId()).setTopicData(kept);
        return new Routed(forward, true, misrouted);
    }

    /** The answer when every partition was taken out. */
    public static ProduceResponseData answer(Misrouted misrouted) {
        ProduceResponseData r = new ProduceResponseData();
        addMisrouted(r, misrouted);
        return r;
    }

    /**
     * Completes an upstream answer: virtual topic ids, no leader epochs in leader hints, and an
     * error for every partition taken out. Returns true when anything changed.
     */
    public static boolean complete(ProduceResponseData response, short version, Misrouted misrouted, String cluster, TopicIds ids,
                                   boolean virtualize) {
        boolean changed = false;
        if (virtualize) {
            boolean byId = TopicResolution.byId(version);
            TopicProduceResponseCollection topics = new TopicProduceResponseCollection(response.responses().size());
            for (TopicProduceResponse t : response.responses()) {
                Uuid virtual = byId ? ids.virtualOfReal(cluster, t.topicId()) : null;
                TopicProduceResponse copy = new TopicProduceResponse().setName(t.name())
                    .setTopicId(virtual != null ? virtual : t.topicId()).setPartitionResponses(t.partitionResponses());
                for (PartitionProduceResponse p : t.partitionResponses()) {
                    if (p.currentLeader().leaderEpoch() != -1) {
                        p.currentLeader().setLeaderEpoch(-1);
                        changed = true;
                    }
                }
                changed |= virtual != null;
                topics.add(copy);
            }
            response.setResponses(topics);
        }
        if (misrouted != null && !misrouted.isEmpty()) {
            addMisrouted(response, misrouted);
            changed = true;
        }
        return changed;
    }

    private static void addMisrouted(ProduceResponseData r, Misrouted misrouted) {
        for (Misrouted.Partition p : misrouted.partitions()) {
            TopicProduceResponse t = r.responses().find(p.topic(), p.topicId());
            if (t == null) {
                t = new TopicProduceResponse().setName(p.topic()).setTopicId(p.topicId());
                r.responses().add(t);
            }
            t.partitionResponses().add(new PartitionProduceResponse().setIndex(p.partition()).setErrorCode(p.errorCode())
                .setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
        }
    }
}
