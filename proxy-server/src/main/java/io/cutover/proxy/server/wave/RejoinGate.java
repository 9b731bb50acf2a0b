package io.cutover.proxy.server.wave;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * After a wave moves its groups, their members must rejoin on the destination before they read
 * the wave's topics there. A member's data path moves faster than its group path: it would fetch
 * from the destination at its old position, fail to commit (the destination does not know the old
 * member), rejoin, and read the same records again from the carried offsets. Until a member (by
 * client.id and address: {@link io.cutover.proxy.core.inventory.ClientInventory#memberKey}, since a
 * client.id repeats across hosts) joins one of the wave's groups on the destination, its fetches for the wave's topics
 * there are answered empty. The gate opens by itself after its deadline, so a member that never
 * rejoins is not starved.
 */
public final class RejoinGate {
    private final Set<String> topics;
    private final Set<String> groups;
    private final String cluster;
    private final Set<String> waiting;
    private final long deadlineNanos;

    public RejoinGate(Set<String> topics, Set<String> groups, String cluster, Set<String> members, long deadlineNanos) {
        this.topics = Set.copyOf(topics);
        this.groups = Set.copyOf(groups);
        this.cluster = cluster;
        this.waiting = ConcurrentHashMap.newKeySet();
        this.waiting.addAll(members);
        this.deadlineNanos = deadlineNanos;
    }

    public boolean open() {
        return waiting.isEmpty() || System.nanoTime() - deadlineNanos > 0;
    }

    /** Whether a fetch of {@code topic} by the member {@code memberKey} on {@code onCluster} must wait for its rejoin. */
    public boolean holds(String onCluster, String memberKey, String topic) {
        return cluster.equals(onCluster) && topics.contains(topic) && waiting.contains(memberKey) && !open();
    }

    /** The member {@code memberKey} joined {@code group} on {@code onCluster}: its fetches go through from now on. */
    public void joined(String onCluster, String memberKey, String group) {
        if (cluster.equals(onCluster) && groups.contains(group)) {
            waiting.remove(memberKey);
        }
    }

    public Set<String> waiting() {
        return Set.copyOf(waiting);
    }
}
