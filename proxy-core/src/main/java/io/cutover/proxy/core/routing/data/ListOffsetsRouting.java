package io.cutover.proxy.core.routing.data;

import java.util.Iterator;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;

/** ListOffsets on a connection to one cluster: moved partitions are answered NOT_LEADER_OR_FOLLOWER; epochs withheld. */
public final class ListOffsetsRouting {
    private ListOffsetsRouting() {
    }

    public static Routed route(ListOffsetsRequestData request, short version, RequestScope scope) {
        Misrouted misrouted = null;
        boolean changed = false;
        Iterator<ListOffsetsTopic> it = request.topics().iterator();
        while (it.hasNext()) {
            ListOffsetsTopic t = it.next();
            if (scope.movedAway(t.name())) {
                misrouted = Misrouted.orNew(misrouted);
                for (ListOffsetsPartition p : t.partitions()) {
                    misrouted.add(t.name(), null, p.partitionIndex(), Errors.NOT_LEADER_OR_FOLLOWER.code());
                }
                it.remove();
                changed = true;
                continue;
            }
            if (scope.virtualize()) {
                for (ListOffsetsPartition p : t.partitions()) {
                    if (p.currentLeaderEpoch() != -1) {
                        p.setCurrentLeaderEpoch(-1);
                        changed = true;
                    }
                }
            }
        }
        if (!changed) {
            return Routed.UNCHANGED;
        }
        return new Routed(request.topics().isEmpty() ? null : request, true, misrouted);
    }

    public static ListOffsetsResponseData answer(Misrouted misrouted) {
        ListOffsetsResponseData r = new ListOffsetsResponseData();
        complete(r, misrouted, false);
        return r;
    }

    public static boolean complete(ListOffsetsResponseData response, Misrouted misrouted, boolean virtualize) {
        boolean changed = false;
        if (virtualize) {
            for (ListOffsetsTopicResponse t : response.topics()) {
                for (ListOffsetsPartitionResponse p : t.partitions()) {
                    if (p.leaderEpoch() != -1) {
                        p.setLeaderEpoch(-1);
                        changed = true;
                    }
                }
            }
        }
        if (misrouted != null) {
            for (Misrouted.Partition m : misrouted.partitions()) {
                ListOffsetsTopicResponse t = new ListOffsetsTopicResponse().setName(m.topic());
                t.partitions().add(new ListOffsetsPartitionResponse().setPartitionIndex(m.partition()).setErrorCode(m.errorCode())
                    .setOffset(-1).setTimestamp(-1).setLeaderEpoch(-1));
                response.topics().add(t);
            }
            changed = true;
        }
        return changed;
    }
}
