package io.cutover.proxy.core.virtual;

import io.cutover.proxy.core.log.RateLimitedLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Producer ids of idempotent producers, made to survive both a move between clusters and a restart
 * of the proxy.
 *
 * <p>A client's producer id is a real id of the identity cluster (the source): the proxy answers
 * InitProducerId with one it fetched from there. Batches for that cluster therefore go through
 * untouched, and the common path (a producer writing to the source) needs no mapping and no
 * persistence at all. Batches for another cluster get a real id of that cluster in their header;
 * a real id a cluster has never seen accepts any first sequence, so a producer whose topic moves
 * keeps its sequences. When a topic comes back to a cluster it left, it gets a fresh real id there,
 * because that cluster remembers the last sequence it saw under the old one; for the source that
 * means a non-identity mapping too. The epoch is always the client's: a real id fresh from a
 * non-transactional InitProducerId accepts any epoch, so the client's own epoch bumps (KIP-360,
 * done locally by idempotent producers) carry over unchanged.
 *
 * <p>Every non-identity mapping is saved to the {@link ProducerIdStore} before its first use, so a
 * batch retried after a crash of the proxy reaches the broker under the same real id and is
 * deduplicated (trap 17). A topic without a saved mapping has never been written anywhere but
 * the identity cluster by this producer.
 *
 * <p>Bounded in time: a producer not seen for {@code retention} is forgotten ({@link #maintain}),
 * here and in the store. Each producer is locked on its own, so connections of different producers
 * never wait on each other; only producers with a non-identity mapping are held at all.
 */
public final class ProducerIdMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerIdMapper.class);
    /** A failing disk refuses every producer's retries alike: a line each would flood the log. */
    private static final RateLimitedLog SAVE_FAILURES = new RateLimitedLog(LOG, 2);

    /** Returned by {@link #realFor} when no real id is at hand right now: answer with a retriable error. */
    public static final long NOT_YET = -1;

    /** A real producer id of one cluster. */
    public record RealProducer(long producerId, short epoch) {
    }

    /** Hands out real producer ids of a cluster without waiting; null when none is at hand right now. */
    @FunctionalInterface
    public interface RealIdSource {
        RealProducer take(String cluster);
    }

    /**
     * Producers with a non-identity mapping held at once. Any client can put any producer id in a
     * batch for a moved topic, and each new one costs a journal line and an fsync; the bound keeps
     * a hostile client from growing the map and the journal without limit. Real producers rarely
     * come near it: only those that wrote a moved topic in the last retention period count.
     */
    public static final int MAX_PRODUCERS = 100_000;
    private final int maxProducers;
    private final String identityCluster;
    private final ProducerIdStore store;
    private final LongSupplier clock;
    private final Map<Long, VirtualProducer> producers = new ConcurrentHashMap<>();
    private final FirstSequences firstSequences = new FirstSequences(MAX_PRODUCERS);

    /** What the proxy knows of one producer with a non-identity mapping. Guarded by its own monitor. */
    private static final class VirtualProducer {
        final long id;
        /** Epoch millis of the last batch, and of the last record saved for it. */
        volatile long lastSeen;
        long savedSeen;
        /** Per topic: the cluster it was last produced to through a mapping, and the real id used there. */
        final Map<String, Placement> topics = new HashMap<>();
        /** Per cluster other than the identity one: a real id topics new to that cluster can start with. */
        final Map<String, Long> current = new HashMap<>();

        VirtualProducer(long id) {
            this.id = id;
        }
    }

    /** {@code at}: when the mapping was saved, epoch millis; which of two counts: {@link ProducerIdRecord.Placement#replaces}. */
    private record Placement(String cluster, long realId, long at, int generation) {
    }

    /**
     * @param identityCluster the cluster whose real ids clients hold (the source)
     * @param saved           what {@code store} had at start
     * @param clock           epoch millis
     */
    public ProducerIdMapper(String identityCluster, ProducerIdStore store, List<ProducerIdRecord> saved, LongSupplier clock) {
        this(identityCluster, store, saved, clock, MAX_PRODUCERS);
    }

    /** @param maxProducers producers with a non-identity mapping held at once; past it a new one waits (retriable) */
    public ProducerIdMapper(String identityCluster, ProducerIdStore store, List<ProducerIdRecord> saved, LongSupplier clock,
                            int maxProducers) {
        this.maxProducers = maxProducers;
        this.identityCluster = identityCluster;
        this.store = store;
        this.clock = clock;
        for (ProducerIdRecord r : saved) {
            if (r instanceof ProducerIdRecord.Placement p) {
                VirtualProducer vp = producers.computeIfAbsent(p.producerId(), VirtualProducer::new);
                if (place(vp, p) && !p.cluster().equals(identityCluster)) {
                    vp.current.putIfAbsent(p.cluster(), p.realId());
                }
                seenAt(vp, p.at());
            }
        }
        for (ProducerIdRecord r : saved) {
            if (r instanceof ProducerIdRecord.Seen s && producers.get(s.producerId()) != null) {
                seenAt(producers.get(s.producerId()), s.at());
            }
        }
    }

    /** Takes {@code r} as {@code p}'s placement of its topic if it replaces the one held; the caller holds p's monitor or owns p. */
    private static boolean place(VirtualProducer p, ProducerIdRecord.Placement r) {
        Placement held = p.topics.get(r.topic());
        if (held != null && !r.replaces(held.realId, held.at, held.generation)) {
            return false;
        }
        p.topics.put(r.topic(), new Placement(r.cluster(), r.realId(), r.at(), r.generation()));
        return true;
    }

    private static void seenAt(VirtualProducer p, long at) {
        p.lastSeen = Math.max(p.lastSeen, at);
        p.savedSeen = p.lastSeen;
    }

    /**
     * The real id to write into a batch of {@code topic} bound for {@code cluster}: {@code virtualId}
     * itself when the batch goes as it is, or {@link #NOT_YET} when a new real id is needed and
     * none is at hand or it cannot be saved (the caller answers with a retriable error).
     *
     * <p>Saving a new mapping forces the journal to disk on the calling thread (an event loop). That
     * happens once per producer and topic moved to a cluster, never on the common path.
     */
    public long realFor(long virtualId, String cluster, String topic, RealIdSource source) {
        boolean identity = cluster.equals(identityCluster);
        if (identity && producers.isEmpty()) {
            return virtualId; // no producer has moved anywhere: not even a lookup
        }
        VirtualProducer p = producers.get(virtualId);
        if (p == null) {
            if (identity) {
                return virtualId;
            }
            if (producers.size() >= maxProducers) {
                return NOT_YET; // full: a retriable error until maintain() forgets idle producers
            }
            p = producers.computeIfAbsent(virtualId, VirtualProducer::new);
        }
        p.lastSeen = clock.getAsLong();
        if (needsNewMapping(p, cluster, topic, identity) && !store.awaitLatest()) {
            // In a fleet: another instance may have mapped this producer since; not knowing, make no second mapping.
            return NOT_YET;
        }
        ProducerIdRecord.Placement mapping;
        synchronized (p) {
            Placement placed = p.topics.get(topic);
            if (placed != null && placed.cluster.equals(cluster)) {
                return placed.realId;
            }
            if (placed == null && identity) {
                return virtualId;
            }
            Long current = identity ? null : p.current.get(cluster);
            long real;
            if (placed == null && current != null) {
                // The cluster has seen this real id, but never for this topic's partitions.
                real = current;
            } else {
                // First write to this cluster, or the topic came back: a real id the cluster has not
                // seen for this topic's partitions.
                RealProducer fresh = source.take(cluster);
                if (fresh == null) {
                    return NOT_YET;
                }
                real = fresh.producerId();
            }
            mapping = new ProducerIdRecord.Placement(virtualId, topic, cluster, real, clock.getAsLong(),
                placed == null ? 1 : placed.generation + 1);
            if (!store.shared()) {
                // Alone, the monitor orders this producer's placements: saved and taken under it.
                if (!save(mapping)) {
                    return NOT_YET;
                }
                place(p, mapping);
                p.savedSeen = mapping.at();
                if (!identity) {
                    p.current.putIfAbsent(cluster, real);
                }
                LOG.debug("producer {} writes {} on {} as real producer id {} (was {})", virtualId, topic, cluster, real, placed);
                return real;
            }
        }
        // In a fleet another instance may place the producer's topic at the same moment: the
        // store's order decides, the same on every instance, once this one has read its own record
        // back. Saved and read back outside the producer's monitor, since the store's reader hands
        // every placement, this one too, to adopt(), which takes it.
        if (!save(mapping) || !store.awaitLatest()) {
            return NOT_YET;
        }
        synchronized (p) {
            p.savedSeen = Math.max(p.savedSeen, mapping.at());
            Placement won = p.topics.get(topic);
            if (won == null || !won.cluster.equals(cluster)) {
                return NOT_YET; // the topic was placed elsewhere meanwhile: the client sends again and is routed anew
            }
            if (won.realId != mapping.realId()) {
                LOG.info("producer {} writes {} on {} as real producer id {}, placed there first by another instance (not {})",
                    virtualId, topic, cluster, won.realId, mapping.realId());
            } else {
                LOG.debug("producer {} writes {} on {} as real producer id {} (generation {})", virtualId, topic, cluster,
                    won.realId, won.generation);
            }
            return won.realId;
        }
    }

    private boolean save(ProducerIdRecord.Placement mapping) {
        try {
            store.save(mapping);
            return true;
        } catch (IOException e) {
            SAVE_FAILURES.error("cannot save the producer id mapping of producer {} for {} on {}: {}; its batches wait until it can be saved",
                mapping.producerId(), mapping.topic(), mapping.cluster(), e.toString());
            return false;
        }
    }

    private static boolean needsNewMapping(VirtualProducer p, String cluster, String topic, boolean identity) {
        synchronized (p) {
            Placement placed = p.topics.get(topic);
            return !(placed != null && placed.cluster.equals(cluster)) && !(placed == null && identity);
        }
    }

    /**
     * A mapping another proxy of the fleet saved: from now on this one writes the producer's batches
     * of that topic under the same real id, so a producer that reconnects through another instance
     * keeps its sequences, and a batch it retries there is deduplicated by the broker. A placement
     * that does not replace the one held ({@link ProducerIdRecord.Placement#replaces}: an older
     * generation, or a second one of the same generation read later) changes nothing; in a fleet
     * this proxy's own placements come back here too, and that is where they take effect.
     */
    public void adopt(ProducerIdRecord record) {
        if (record instanceof ProducerIdRecord.Seen s) {
            // Another instance still serves this producer: no instance may forget it (and delete its
            // records) while any one uses it.
            VirtualProducer p = producers.get(s.producerId());
            if (p != null) {
                synchronized (p) {
                    seenAt(p, s.at());
                }
            }
            return;
        }
        if (!(record instanceof ProducerIdRecord.Placement r)) {
            return;
        }
        VirtualProducer p = producers.computeIfAbsent(r.producerId(), VirtualProducer::new);
        synchronized (p) {
            if (!place(p, r)) {
                return;
            }
            if (!r.cluster().equals(identityCluster)) {
                p.current.put(r.cluster(), r.realId());
            }
            seenAt(p, r.at());
        }
    }

    /**
     * The real id {@link #realFor} would return when it needs no new mapping, or {@link #NOT_YET}
     * when it would have to make one: never takes an id and never saves, so a caller can decide
     * before it changes anything. Counts as a use of the producer, as realFor does.
     */
    public long existingRealFor(long virtualId, String cluster, String topic) {
        boolean identity = cluster.equals(identityCluster);
        if (identity && producers.isEmpty()) {
            return virtualId;
        }
        VirtualProducer p = producers.get(virtualId);
        if (p == null) {
            return identity ? virtualId : NOT_YET;
        }
        p.lastSeen = clock.getAsLong();
        synchronized (p) {
            Placement placed = p.topics.get(topic);
            if (placed != null && placed.cluster.equals(cluster)) {
                return placed.realId;
            }
            return placed == null && identity ? virtualId : NOT_YET;
        }
    }

    /** What the first batch of a partition a switch moved must carry; see {@link FirstSequences}. */
    public FirstSequences firstSequences() {
        return firstSequences;
    }

    /**
     * Turns the real producer ids in batches of {@code topic} on {@code cluster} into the client-side
     * (virtual) ones, -1 for an id no producer of this proxy writes there under (another client of
     * the cluster, or a replicator). On the identity cluster a real id is its own virtual id, unless
     * that producer's writes of the topic are mapped: then its state under that id is stale. One
     * pass over the mapped producers, made once per topic of a switch.
     */
    public LongUnaryOperator virtualIds(String cluster, String topic) {
        boolean identity = cluster.equals(identityCluster);
        Map<Long, Long> byReal = new HashMap<>();
        for (VirtualProducer p : producers.values()) {
            synchronized (p) {
                Placement placed = p.topics.get(topic);
                if (placed != null && placed.cluster.equals(cluster)) {
                    byReal.put(placed.realId, p.id);
                }
            }
        }
        return realId -> {
            Long virtual = byReal.get(realId);
            if (virtual != null) {
                return virtual;
            }
            if (!identity) {
                return -1;
            }
            VirtualProducer own = producers.get(realId);
            if (own != null) {
                synchronized (own) {
                    if (own.topics.get(topic) != null) {
                        return -1;
                    }
                }
            }
            return realId;
        };
    }

    /**
     * Keeps the store's bound honest, off the request path: saves a {@code seen} record for each
     * producer used since its last record more than {@code refreshAfterMillis} ago, and forgets
     * producers not seen since {@code expiredBefore}. Returns how many were forgotten.
     */
    public int maintain(long refreshAfterMillis, long expiredBefore) {
        firstSequences.expire(clock.getAsLong());
        int forgotten = 0;
        for (VirtualProducer p : new ArrayList<>(producers.values())) {
            long seen = p.lastSeen;
            if (seen < expiredBefore) {
                producers.remove(p.id, p);
                forgotten++;
                List<String> topics;
                synchronized (p) {
                    topics = List.copyOf(p.topics.keySet());
                }
                store.forget(p.id, topics);
                continue;
            }
            synchronized (p) {
                if (seen - p.savedSeen > refreshAfterMillis) {
                    try {
                        store.save(new ProducerIdRecord.Seen(p.id, seen));
                        p.savedSeen = seen;
                    } catch (IOException e) {
                        LOG.warn("cannot save that producer {} is in use: {}", p.id, e.toString());
                    }
                }
            }
        }
        return forgotten;
    }

    /** Producers with a non-identity mapping held in memory. */
    public int size() {
        return producers.size();
    }
}
