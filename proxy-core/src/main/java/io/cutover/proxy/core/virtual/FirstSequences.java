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
 * <p>In a fleet a producer's batches of one partition can reach the cluster joined through more
 * than one instance (a leader moved, a connection landed elsewhere after a kill), and each instance
 * holds the same expectations (the switching instance posts them with its release). The batch that
 * meets an expectation passes on one instance only; the others would refuse the producer's later
 * batches until their deadline. So a refusal asks the {@link Witness}, at most once a second per
 * partition, whether the cluster already holds the producer's state there: once it does, the broker
 * keeps the order itself and the expectation is {@link #satisfied}.
 *
 * <p>Bounded: at most {@code max} partitions of producers at once, each forgotten when its batch
 * passes, when the producer starts a new epoch, when the cluster shows the producer's state, or
 * after its deadline (a producer gives up on a batch after its delivery timeout, two minutes by
 * default).
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

    /** One partition's expectation as a switch read it: the form in which instances of a fleet share it. */
    public record Expectation(long producerId, String topic, int partition, String cluster, short epoch, int lastSequence,
                              long deadlineMillis) {
    }

    /**
     * Asked, off the request path, whether {@code cluster} already holds the producer's state on
     * the partition; answers through {@link #satisfied}. Must not block.
     */
    @FunctionalInterface
    public interface Witness {
        void ask(long producerId, String topic, int partition, String cluster);
    }

    private static final long ASK_INTERVAL_MILLIS = 1_000;

    private record Key(long producerId, String topic, int partition) {
    }

    private static final class Expected {
        final String cluster;
        final short epoch;
        final int nextSequence;
        final long deadlineMillis;
        /** When a refusal may next ask the witness; racing event loops may both ask once, which is harmless. */
        volatile long nextAskMillis;

        Expected(String cluster, short epoch, int nextSequence, long deadlineMillis) {
            this.cluster = cluster;
            this.epoch = epoch;
            this.nextSequence = nextSequence;
            this.deadlineMillis = deadlineMillis;
        }
    }

    private final int max;
    private volatile Witness witness;
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

    /** {@link #expect} for an expectation another instance read; false when the bound is reached. */
    public boolean expect(Expectation e) {
        return expect(e.producerId(), e.topic(), e.partition(), e.cluster(), e.epoch(), e.lastSequence(), e.deadlineMillis());
    }

    /**
     * What one switch of {@code topics} read, in place of whatever an earlier switch of them left:
     * a partition the new read has no entry for must not keep an older switch's sequence, which
     * the producer has long passed. A read older than what is held for these topics (its deadline
     * is earlier: each is its read's time plus the hold) changes nothing, so the order in which an
     * instance learns of reads does not matter. Returns how many were recorded (the rest past the
     * bound).
     */
    public int replace(java.util.Set<String> topics, java.util.List<Expectation> read) {
        if (!read.isEmpty()) {
            long readUntil = read.get(0).deadlineMillis();
            for (Map.Entry<Key, Expected> entry : expected.entrySet()) {
                if (topics.contains(entry.getKey().topic) && entry.getValue().deadlineMillis > readUntil) {
                    return 0;
                }
            }
        }
        for (Map.Entry<Key, Expected> entry : expected.entrySet()) {
            if (topics.contains(entry.getKey().topic)) {
                forget(entry.getKey(), entry.getValue());
            }
        }
        int recorded = 0;
        for (Expectation e : read) {
            if (expect(e)) {
                recorded++;
            }
        }
        return recorded;
    }

    /** Who a refusal asks whether the cluster guards the producer's order already; none outside a fleet. */
    public void witnessedBy(Witness witness) {
        this.witness = witness;
    }

    /**
     * The cluster holds the producer's state on the partition (some instance passed its first
     * batch): the broker refuses what is out of order from now on, so this proxy stops waiting.
     */
    public void satisfied(long producerId, String topic, int partition, String cluster) {
        Key key = new Key(producerId, topic, partition);
        Expected e = expected.get(key);
        if (e != null && e.cluster.equals(cluster)) {
            forget(key, e);
        }
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
        Witness w = witness;
        if (w != null && nowMillis >= e.nextAskMillis) {
            e.nextAskMillis = nowMillis + ASK_INTERVAL_MILLIS;
            w.ask(producerId, topic, partition, cluster);
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
