package io.cutover.proxy.core.virtual;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Virtual producer ids for transactional producers, so that a transactional id can move to the other
 * cluster between transactions: the client keeps its id and epoch, and the proxy holds, per cluster,
 * a real id obtained from that cluster's transaction coordinator (InitProducerId with the
 * transactional id), with the offset between the client's epoch and the real one. Transaction
 * version 2 bumps the epoch at every EndTxn on both sides alike, so the offset stays put.
 *
 * <p>Like idempotent ones, a virtual id is always a real id of the identity cluster (the source), so
 * virtual ids of the two kinds never collide: the one its coordinator gave when the transactional
 * id was initialised there (then the mapping is the identity), or else one fetched from the source
 * for the purpose. A producer's state is saved to the {@link ProducerIdStore} whenever its ids
 * change (initialisation, a move, a real id rolling over), before the client or a broker sees the
 * new ids, so a restarted proxy maps its requests exactly as before. Its virtual epoch is saved with
 * it but not at every transaction; after a restart it is known again from the real epochs.
 *
 * <p>Bounded in time like {@link ProducerIdMapper}: a producer not seen for the retention is forgotten.
 */
public final class TransactionalProducers {
    private static final Logger LOG = LoggerFactory.getLogger(TransactionalProducers.class);

    /** The real id on one cluster, and client epoch minus real epoch. */
    public record Real(long producerId, int epochOffset) {
        public short realEpoch(short virtualEpoch) {
            return (short) (virtualEpoch - epochOffset);
        }

        public short virtualEpoch(short realEpoch) {
            return (short) (realEpoch + epochOffset);
        }
    }

    private static final class Producer {
        final String transactionalId;
        final long virtualId;
        /** Written under this producer's monitor; read without it. */
        volatile short virtualEpoch;
        volatile int transactionTimeoutMs;
        volatile Map<String, Real> real;
        volatile long lastSeen;
        long savedSeen;

        Producer(String transactionalId, long virtualId) {
            this.transactionalId = transactionalId;
            this.virtualId = virtualId;
        }
    }

    private final String identityCluster;
    private final ProducerIdStore store;
    private final LongSupplier clock;
    private final Map<String, Producer> byTransactionalId = new ConcurrentHashMap<>();
    private final Map<Long, Producer> byVirtualId = new ConcurrentHashMap<>();

    /**
     * @param identityCluster the cluster whose real ids serve as virtual ids (the source)
     * @param saved           what {@code store} had at start
     * @param clock           epoch millis
     */
    public TransactionalProducers(String identityCluster, ProducerIdStore store, List<ProducerIdRecord> saved, LongSupplier clock) {
        this.identityCluster = identityCluster;
        this.store = store;
        this.clock = clock;
        for (ProducerIdRecord r : saved) {
            if (r instanceof ProducerIdRecord.Transactional t) {
                install(t);
            }
        }
        for (ProducerIdRecord r : saved) {
            if (r instanceof ProducerIdRecord.Seen s && byVirtualId.get(s.producerId()) != null) {
                Producer p = byVirtualId.get(s.producerId());
                p.lastSeen = Math.max(p.lastSeen, s.at());
                p.savedSeen = p.lastSeen;
            }
        }
    }

    private void install(ProducerIdRecord.Transactional t) {
        Producer p = new Producer(t.transactionalId(), t.producerId());
        p.virtualEpoch = t.epoch();
        p.transactionTimeoutMs = t.timeoutMs();
        p.real = Map.copyOf(t.real());
        p.lastSeen = t.at();
        p.savedSeen = t.at();
        Producer previous = byTransactionalId.put(t.transactionalId(), p);
        if (previous != null) {
            byVirtualId.remove(previous.virtualId, previous);
        }
        byVirtualId.put(p.virtualId, p);
    }

    /**
     * A transactional producer's state another proxy of the fleet saved (it initialised or moved the
     * producer): from now on this proxy maps the producer's requests as that one does, so a client
     * that reconnects here carries on. A record no newer than what this proxy saved or learnt itself
     * (its own, read back) changes nothing.
     */
    public synchronized void adoptSaved(ProducerIdRecord record) {
        if (!(record instanceof ProducerIdRecord.Transactional t)) {
            return;
        }
        Producer held = byTransactionalId.get(t.transactionalId());
        if (held != null && held.savedSeen >= t.at()) {
            return;
        }
        install(t);
    }

    /**
     * A cluster's coordinator answered the client's InitProducerId: returns the virtual id and epoch
     * the client gets, or null when that cannot be done right now (no source id at hand for a
     * producer initialised elsewhere, or the state cannot be saved): the client is then told to
     * retry. A re-initialisation moves the virtual epoch forward and forgets other clusters' real
     * ids (they belong to the fenced instance).
     *
     * <p>Saves the producer's state, forcing the journal to disk on the calling thread (an event
     * loop): once per InitProducerId, which a transactional producer sends when it starts.
     */
    public synchronized long[] initialized(String transactionalId, int timeoutMs, String cluster, long realId, short realEpoch,
                                           ProducerIdMapper.RealIdSource ids) {
        Producer p = byTransactionalId.get(transactionalId);
        long virtualId;
        short virtualEpoch;
        if (p == null) {
            if (cluster.equals(identityCluster)) {
                virtualId = realId;
            } else {
                ProducerIdMapper.RealProducer fresh = ids.take(identityCluster);
                if (fresh == null) {
                    return null;
                }
                virtualId = fresh.producerId();
            }
            virtualEpoch = realEpoch;
        } else {
            virtualId = p.virtualId;
            virtualEpoch = p.real.isEmpty() ? realEpoch : (short) Math.max(p.virtualEpoch + 1, realEpoch);
        }
        Map<String, Real> real = Map.of(cluster, new Real(realId, virtualEpoch - realEpoch));
        if (!save(transactionalId, virtualId, virtualEpoch, timeoutMs, real)) {
            return null;
        }
        if (p == null) {
            p = new Producer(transactionalId, virtualId);
            byTransactionalId.put(transactionalId, p);
            byVirtualId.put(virtualId, p);
        }
        synchronized (p) {
            p.virtualEpoch = virtualEpoch;
            p.transactionTimeoutMs = timeoutMs;
            p.real = real;
            p.lastSeen = clock.getAsLong();
            p.savedSeen = p.lastSeen;
        }
        return new long[] {virtualId, virtualEpoch};
    }

    /** The real id on {@code cluster} for a client's virtual id, or null when none is known there yet. */
    public Real real(long virtualId, String cluster) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return null;
        }
        p.lastSeen = clock.getAsLong();
        return p.real.get(cluster);
    }

    /** The transactional id behind a virtual id, or null. */
    public String transactionalId(long virtualId) {
        Producer p = byVirtualId.get(virtualId);
        return p == null ? null : p.transactionalId;
    }

    public int transactionTimeoutMs(long virtualId) {
        Producer p = byVirtualId.get(virtualId);
        return p == null ? 60_000 : p.transactionTimeoutMs;
    }

    /**
     * An adoption under way: the proxy asks {@link #cluster} for a real id for the producer, whose
     * transactional id moved there. Knows what the producer's real ids were when it began.
     */
    public static final class Adoption {
        private final long virtualId;
        private final String cluster;
        private final String transactionalId;
        private final int transactionTimeoutMs;
        private final Map<String, Real> knownAtStart;
        private final String key;

        private Adoption(Producer p, String cluster, String key) {
            this.virtualId = p.virtualId;
            this.cluster = cluster;
            this.transactionalId = p.transactionalId;
            this.transactionTimeoutMs = p.transactionTimeoutMs;
            this.knownAtStart = p.real;
            this.key = key;
        }

        public String cluster() {
            return cluster;
        }

        public String transactionalId() {
            return transactionalId;
        }

        public int transactionTimeoutMs() {
            return transactionTimeoutMs;
        }
    }

    /** The adoptions under way, as virtual id @ cluster: one at a time for each. */
    private final Set<String> adopting = ConcurrentHashMap.newKeySet();

    /**
     * Begins the adoption of a real id on {@code cluster} for a client's virtual id; null when there
     * is nothing to do: the producer is not one this proxy initialised, has a real id there already
     * (a request that found none just before another adoption completed), or one is under way.
     *
     * <p>A second adoption on a cluster must never follow a completed one: its InitProducerId would
     * abort the transaction the producer has begun there meanwhile under the first one's epoch,
     * and the rest of that transaction, written under the new epoch, would commit without it.
     */
    public Adoption beginAdoption(long virtualId, String cluster) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null || p.real.containsKey(cluster)) {
            return null;
        }
        String key = virtualId + "@" + cluster;
        if (!adopting.add(key)) {
            return null;
        }
        // Looked at again once the slot is ours: an adoption that completed just now installed its id before it let go.
        if (p.real.containsKey(cluster)) {
            adopting.remove(key);
            return null;
        }
        return new Adoption(p, cluster, key);
    }

    /** The adoption got nowhere (no coordinator, an error): the producer's next request begins another. */
    public void abandoned(Adoption adoption) {
        adopting.remove(adoption.key);
    }

    /**
     * The adoption got real id {@code realId} at {@code realEpoch}: installs it unless a newer mapping
     * was saved since it began (the client initialised again, another instance of the fleet moved the
     * producer, its real id rolled over), in which case it is stale: installing it would drop that
     * newer real id, and the next request there would adopt again. Returns false when it is not used (stale, or it
     * could not be saved): the producer is told to retry, and its next request adopts afresh.
     */
    public boolean adopted(Adoption adoption, long realId, short realEpoch) {
        try {
            Producer p = byVirtualId.get(adoption.virtualId);
            if (p == null) {
                return false;
            }
            synchronized (p) {
                if (p.real != adoption.knownAtStart) {
                    LOG.info("transactional id {}: the real id {} adopted on {} is not used, a newer mapping was saved meanwhile ({})",
                        p.transactionalId, realId, adoption.cluster, p.real);
                    return false;
                }
                return adopted(p, adoption.cluster, realId, realEpoch);
            }
        } finally {
            // After the install: a request that found no real id meanwhile finds this one now.
            adopting.remove(adoption.key);
        }
    }

    /** An adoption begun and completed at once, for a caller that asked the cluster itself. */
    public boolean adopted(long virtualId, String cluster, long realId, short realEpoch) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return false;
        }
        synchronized (p) {
            return adopted(p, cluster, realId, realEpoch);
        }
    }

    private boolean adopted(Producer p, String cluster, long realId, short realEpoch) {
        long virtualId = p.virtualId;
        // The transactional id lives on one cluster at a time: ids held elsewhere are stale (and
        // fenced there as soon as the id comes back and is initialised again).
        Map<String, Real> real = Map.of(cluster, new Real(realId, p.virtualEpoch - realEpoch));
        if (!save(p.transactionalId, virtualId, p.virtualEpoch, p.transactionTimeoutMs, real)) {
            return false;
        }
        p.real = real;
        p.savedSeen = clock.getAsLong();
        return true;
    }

    /**
     * An EndTxn answer under transaction version 2 carries the producer's next id and epoch; returns
     * the virtual epoch to pass on and keeps the mapping current (the real id can roll over, and
     * that is saved before the client learns of it; -1 when it cannot be saved).
     */
    public short ended(long virtualId, String cluster, long realId, short realEpoch) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return realEpoch;
        }
        synchronized (p) {
            return ended(p, cluster, realId, realEpoch);
        }
    }

    private short ended(Producer p, String cluster, long realId, short realEpoch) {
        long virtualId = p.virtualId;
        Real r = p.real.get(cluster);
        int offset = r == null ? p.virtualEpoch - realEpoch : r.epochOffset;
        short virtualEpoch = (short) (realEpoch + offset);
        if (virtualEpoch < p.virtualEpoch) {
            // A new real id starts its epochs again: keep the client's epochs climbing.
            virtualEpoch = (short) (p.virtualEpoch + 1);
            offset = virtualEpoch - realEpoch;
        }
        Real next = new Real(realId, offset);
        if (!next.equals(r)) {
            Map<String, Real> real = new java.util.HashMap<>(p.real);
            real.put(cluster, next);
            if (!save(p.transactionalId, virtualId, virtualEpoch, p.transactionTimeoutMs, real)) {
                return -1;
            }
            p.real = Map.copyOf(real);
            p.savedSeen = clock.getAsLong();
        }
        p.virtualEpoch = virtualEpoch;
        return virtualEpoch;
    }

    public boolean isTransactional(long virtualId) {
        return byVirtualId.containsKey(virtualId);
    }

    public int size() {
        return byVirtualId.size();
    }

    /**
     * As {@link ProducerIdMapper#maintain}: saves a {@code seen} record for producers used since their
     * last record more than {@code refreshAfterMillis} ago, and forgets those not seen since
     * {@code expiredBefore}. Off the request path.
     */
    public int maintain(long refreshAfterMillis, long expiredBefore) {
        int forgotten = 0;
        for (Producer p : new ArrayList<>(byVirtualId.values())) {
            synchronized (this) {
                long seen = p.lastSeen;
                if (seen < expiredBefore) {
                    byVirtualId.remove(p.virtualId, p);
                    byTransactionalId.remove(p.transactionalId, p);
                    forgotten++;
                    store.forgetTransactional(p.transactionalId);
                } else if (seen - p.savedSeen > refreshAfterMillis) {
                    try {
                        store.save(new ProducerIdRecord.Seen(p.virtualId, seen));
                        p.savedSeen = seen;
                    } catch (IOException e) {
                        LOG.warn("cannot save that transactional id {} is in use: {}", p.transactionalId, e.toString());
                    }
                }
            }
        }
        return forgotten;
    }

    private boolean save(String transactionalId, long virtualId, short virtualEpoch, int timeoutMs, Map<String, Real> real) {
        try {
            store.save(new ProducerIdRecord.Transactional(transactionalId, virtualId, virtualEpoch, timeoutMs, real, clock.getAsLong()));
            return true;
        } catch (IOException e) {
            LOG.error("cannot save the producer ids of transactional id {}: {}; its producer is told to retry", transactionalId,
                e.toString());
            return false;
        }
    }
}
