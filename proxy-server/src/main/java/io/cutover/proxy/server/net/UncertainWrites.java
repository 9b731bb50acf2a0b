package io.cutover.proxy.server.net;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes whose outcome the proxy cannot know: a Produce sent to a broker whose connection closed
 * before the answer came (the client left, or the broker did not answer in time), or one answered
 * REQUEST_TIMED_OUT (appended to the leader, not yet committed). Such a write may still appear in
 * its partition after a wave's drain found nothing in flight. If the switch flipped meanwhile, the
 * record would land on the source after the switch while the producer's retry lands on the target:
 * written twice, or out of order. So a switch waits until each such write of its topics has
 * settled, and refuses to start when that is further away than its fence may last.
 *
 * <p>A write settles when the broker can no longer apply it: the time the client gave the broker
 * (the Produce's timeoutMs) after it was sent, or for a timed-out answer, the window a slow follower
 * has before it leaves the ISR; never more than {@code window} ahead. Kept per cluster and topic,
 * bounded: past {@code maxTopics}, a write stands for every topic of its cluster (safe, coarser).
 * Written only when a connection closes with writes unanswered, or a write times out; read once per
 * drain poll.
 */
public final class UncertainWrites {
    /** Stands for every topic: no legal topic name is "*". */
    static final String ANY_TOPIC = "*";

    private final Duration window;
    private final int maxTopics;
    private final Map<Key, Pending> pending = new ConcurrentHashMap<>();

    public UncertainWrites(Duration window, int maxTopics) {
        this.window = window;
        this.maxTopics = maxTopics;
    }

    /** A write to {@code topic} of {@code cluster} that may be applied until {@code settlesAtNanos}. */
    public record Pending(String cluster, String topic, long settlesAtNanos, String reason) {
        public String describe(long nowNanos) {
            return (ANY_TOPIC.equals(topic) ? "a write to " + cluster : "a write to " + topic + " on " + cluster) + " (" + reason
                + ") may still be applied for " + Math.max(0, (settlesAtNanos - nowNanos) / 1_000_000) + " ms";
        }
    }

    private record Key(String cluster, String topic) {
    }

    public Duration window() {
        return window;
    }

    /**
     * Records a write of unknown outcome. {@code topic} null means it may name any topic.
     * {@code settlesAtNanos} is capped at {@link #window} from {@code nowNanos}.
     */
    void record(String cluster, String topic, long settlesAtNanos, long nowNanos, String reason) {
        long settles = Math.min(settlesAtNanos, nowNanos + window.toNanos());
        if (settles - nowNanos <= 0) {
            return;
        }
        Key key = new Key(cluster, topic == null ? ANY_TOPIC : topic);
        if (!pending.containsKey(key) && pending.size() >= maxTopics) {
            pending.values().removeIf(p -> p.settlesAtNanos() - nowNanos <= 0);
            if (pending.size() >= maxTopics) {
                key = new Key(cluster, ANY_TOPIC);
            }
        }
        Pending candidate = new Pending(cluster, key.topic(), settles, reason);
        pending.merge(key, candidate, (old, now) -> now.settlesAtNanos() - old.settlesAtNanos() > 0 ? now : old);
    }

    /** The unsettled write of {@code cluster} naming one of {@code topics} that settles last, or null. */
    public Pending latest(String cluster, Set<String> topics, long nowNanos) {
        Pending latest = null;
        for (Pending p : pending.values()) {
            if (!p.cluster().equals(cluster) || p.settlesAtNanos() - nowNanos <= 0
                || !(ANY_TOPIC.equals(p.topic()) || topics.contains(p.topic()))) {
                continue;
            }
            if (latest == null || p.settlesAtNanos() - latest.settlesAtNanos() > 0) {
                latest = p;
            }
        }
        return latest;
    }

    int size() {
        return pending.size();
    }
}
