package io.cutover.proxy.core.virtual;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual producer ids for idempotent producers (KIP-98 ids are handed out by each cluster from its
 * own counter, so the same id means different producers on the two clusters).
 *
 * <p>A client gets a virtual id from the proxy. Its batches carry that id and the client's own
 * per-partition sequences; before they reach a cluster, the proxy puts a real producer id of that
 * cluster in their header. A real id that a cluster has never seen accepts any first sequence, so a
 * producer whose topic moves keeps its sequences and gets, on the new cluster, a fresh real id.
 * When a topic comes back to a cluster it left, it gets a fresh real id there too, because that
 * cluster remembers the last sequence it saw under the old one.
 *
 * <p>Bounded: at most {@code maxProducers} virtual producers are remembered (the least recently used
 * tenth goes when the bound is passed). A forgotten producer is simply mapped afresh on its next
 * batch. Each producer is locked on its own, so connections of different producers never wait on
 * each other.
 */
public final class ProducerIdMapper {
    /** A real producer id of one cluster. */
    public record RealProducer(long producerId, short epoch) {
    }

    /** Hands out real producer ids of a cluster without waiting; null when none is at hand right now. */
    @FunctionalInterface
    public interface RealIdSource {
        RealProducer take(String cluster);
    }

    private final int maxProducers;
    private final long prefix;
    private final AtomicLong counter = new AtomicLong();
    private final Map<Long, VirtualProducer> producers = new ConcurrentHashMap<>();

    /** What the proxy knows of one virtual producer. Guarded by its own monitor. */
    private static final class VirtualProducer {
        volatile long lastUsed;
        short epoch;
        /** Per topic: the cluster it was last produced to, and the real id used there. */
        final Map<String, Placement> topics = new HashMap<>();
        /** Per cluster: the real id new topics start with. */
        final Map<String, RealProducer> current = new HashMap<>();
    }

    private record Placement(String cluster, RealProducer real) {
    }

    public ProducerIdMapper(int maxProducers) {
        this.maxProducers = maxProducers;
        // Ids of different proxy runs are unlikely to meet: 20 random high bits, then a counter.
        this.prefix = (ThreadLocalRandom.current().nextLong(1, 1 << 20)) << 40;
    }

    /** A new virtual producer, epoch 0 (a non-transactional InitProducerId). */
    public long newProducer() {
        long id = prefix | counter.incrementAndGet();
        producer(id);
        return id;
    }

    /**
     * A client asked to bump its epoch (KIP-360). Its real ids are dropped: it restarts its sequences,
     * and fresh real ids accept that.
     */
    public short bump(long virtualId, short epoch) {
        VirtualProducer p = producer(virtualId);
        synchronized (p) {
            p.epoch = (short) (Math.max(p.epoch, epoch) + 1);
            p.topics.clear();
            p.current.clear();
            return p.epoch;
        }
    }

    /**
     * The real id to write into a batch of {@code topic} bound for {@code cluster}, or null when a
     * new real id is needed and none is at hand (the caller answers with a retriable error).
     */
    public RealProducer realFor(long virtualId, short epoch, String cluster, String topic, RealIdSource source) {
        VirtualProducer p = producer(virtualId);
        synchronized (p) {
            return realFor(p, epoch, cluster, topic, source);
        }
    }

    private static RealProducer realFor(VirtualProducer p, short epoch, String cluster, String topic, RealIdSource source) {
        if (epoch != p.epoch) {
            // A batch from another epoch of this producer: start it afresh rather than mix sequences.
            p.epoch = epoch;
            p.topics.clear();
            p.current.clear();
        }
        Placement placed = p.topics.get(topic);
        if (placed != null && placed.cluster.equals(cluster)) {
            return placed.real;
        }
        RealProducer real;
        if (placed == null && p.current.containsKey(cluster)) {
            real = p.current.get(cluster);
        } else {
            // First write to this cluster, or the topic came back: a real id the cluster has not seen
            // for this topic's partitions.
            real = source.take(cluster);
            if (real == null) {
                return null;
            }
            p.current.put(cluster, real);
        }
        p.topics.put(topic, new Placement(cluster, real));
        return real;
    }

    public int size() {
        return producers.size();
    }

    private VirtualProducer producer(long id) {
        VirtualProducer p = producers.get(id);
        if (p == null) {
            p = producers.computeIfAbsent(id, k -> new VirtualProducer());
            if (producers.size() > maxProducers) {
                evictLeastRecentlyUsed();
            }
        }
        p.lastUsed = System.nanoTime();
        return p;
    }

    private synchronized void evictLeastRecentlyUsed() {
        if (producers.size() <= maxProducers) {
            return;
        }
        List<Map.Entry<Long, VirtualProducer>> all = new ArrayList<>(producers.entrySet());
        all.sort((a, b) -> Long.compare(a.getValue().lastUsed, b.getValue().lastUsed));
        int drop = Math.max(1, maxProducers / 10);
        for (int i = 0; i < drop && i < all.size(); i++) {
            producers.remove(all.get(i).getKey());
        }
    }
}
