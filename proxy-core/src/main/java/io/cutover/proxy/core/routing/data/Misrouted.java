package io.cutover.proxy.core.routing.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;

/**
 * Partitions taken out of a request because they are not this connection's to serve, with the error
 * the client gets for each: NOT_LEADER_OR_FOLLOWER for a topic that now routes to the other cluster
 * (the client refreshes metadata and follows), UNKNOWN_TOPIC_ID for a topic id the proxy never
 * issued.
 */
public final class Misrouted {
    /** One partition and the error it is answered with. */
    public record Partition(String topic, Uuid topicId, int partition, short errorCode) {
    }

    private final List<Partition> partitions = new ArrayList<>();

    /**
     * {@code misrouted}, or a new one when there is none yet: a request that keeps all its
     * partitions allocates nothing.
     */
    static Misrouted orNew(Misrouted misrouted) {
        return misrouted != null ? misrouted : new Misrouted();
    }

    public void add(String topic, Uuid topicId, int partition, short errorCode) {
        partitions.add(new Partition(topic, topicId, partition, errorCode));
    }

    public List<Partition> partitions() {
        return partitions;
    }

    public boolean isEmpty() {
        return partitions.isEmpty();
    }
}
