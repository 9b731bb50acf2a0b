package io.cutover.proxy.core.virtual;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sequence an idempotent producer's first batch of a partition must carry on the cluster a
 * switch moved the partition to.
 *
 * <p>A producer keeps up to five batches in flight per partition and, after a leader change, sends
 * a new batch to the new leader while an older one is still on its way to the old one. A broker
 * that took over leadership knows the producer's last sequence and refuses the newer batch until
 * the older one arrives. Across clusters the batches go under a producer id the destination has
 * never seen, which accepts any first sequence: the newer batch would be written first and the older
 * one refused as out of order on every retry, until the producer gives up on it. So a switch reads
 * each producer's last sequence on the cluster it leaves (its writes are fenced and drained, so the
 * sequence is final) and hands it here before the flip; the destination then lets a partition's
 * first batch through only with the next sequence, as the broker that led it would have.
 *
 * <p>Bounded: at most {@code max} partitions of producers at once, each forgotten when its batch
 * passes, when the producer starts a new epoch, or after its deadline (a producer gives up on a
 * batch after its delivery timeout, two minutes by default).
 */
public final class FirstSequences {
    /** What to answer a batch. */
    public enum Verdict {
        /** Forward it. */
        PASS,
        /** An older batch of the producer has not arrived yet: the producer retries this one after it. */
        OUT_OF_ORDER,
        /** Written on the cluster left already (its acknowledgement was lost): the producer counts it done. */
        DUPLICATE
    }

    private record Key(long producerId, String topic, int partition) {
    }

    private record Expected(String cluster, short epoch, int nextSequence, long deadlineMillis) {
    }

    private final int max;
    private final Map<Key, Expected> expected = new ConcurrentHashMap<>();
    /** Per producer, how many of its partitions wait: what the in-place Produce path asks before taking a batch through. */
    private final Map<Long, AtomicInteger> producers = new ConcurrentHashMap<>();

    public FirstSequences(int max) {
        this.max = max;
    }

    /**
     * The producer's next batch of {@code topic}-{@code partition} on {@code cluster} must follow
     * {@code lastSequence} in {@code epoch}. Returns false when the bound is reached and nothing
     * was recorded.
     */
    public boolean expect(long producerId, String topic, int partition, String cluster, short epoch, int lastSequence, long deadlineMillis) {
        if (expected.size() >= max) {
            return false;
        }
        int next = lastSequence == Integer.MAX_VALUE ? 0 : lastSequence + 1; // sequences wrap to 0
        if (expected.put(new Key(producerId, topic, partition), new Expected(cluster, epoch, next, deadlineMillis)) == null) {
            // Counted under the map's lock for this producer, so a count that reaches 0 elsewhere cannot drop this one.
            producers.compute(producerId, (id, count) -> {
                AtomicInteger c = count == null ? new AtomicInteger() : count;
                c.incrementAndGet();
                return c;
            });
        }
        return true;
    }

    /** True when some batch of this producer may have to wait: a volatile read and, rarely, a lookup. */
    public boolean covers(long producerId) {
        return !producers.isEmpty() && producers.containsKey(producerId);
    }

    public int size() {
        return expected.size();
    }

    /**
     * The verdict on a batch of {@code records} records starting at {@code baseSequence}, bound for
     * {@code cluster}. A batch that passes ends the partition's wait.
     */
    public Verdict check(long producerId, String topic, int partition, String cluster, short epoch, int baseSequence, int records,
                         long nowMillis) {
        if (producers.isEmpty()) {
            return Verdict.PASS;
        }
        Key key = new Key(producerId, topic, partition);
        Expected e = expected.get(key);
        if (e == null || !e.cluster.equals(cluster)) {
            return Verdict.PASS;
        }
        if (nowMillis > e.deadlineMillis || epoch != e.epoch || baseSequence == e.nextSequence) {
            forget(key, e); // a new epoch restarts the sequences; the next batch is in order
            return Verdict.PASS;
        }
        // Distances rather than comparisons: sequences wrap from 2^31-1 to 0.
        int behind = e.nextSequence - baseSequence;
        if (behind > 0 && behind >= records) {
            return Verdict.DUPLICATE;
        }
        return Verdict.OUT_OF_ORDER;
    }

    /** Forgets what waits past its deadline; off the request path. Returns how many were forgotten. */
    public int expire(long nowMillis) {
        int n = 0;
        for (Map.Entry<Key, Expected> entry : expected.entrySet()) {
            if (nowMillis > entry.getValue().deadlineMillis && forget(entry.getKey(), entry.getValue())) {
                n++;
            }
        }
        return n;
    }

    private boolean forget(Key key, Expected e) {
        if (!expected.remove(key, e)) {
            return false;
        }
        producers.computeIfPresent(key.producerId, (id, count) -> count.decrementAndGet() == 0 ? null : count);
        return true;
    }
}
