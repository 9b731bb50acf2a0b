package io.cutover.proxy.core.virtual;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Virtual producer ids for transactional producers, so that a transactional id can move to the other
 * cluster between transactions: the client keeps its id and epoch, and the proxy holds, per cluster,
 * a real id obtained from that cluster's transaction coordinator (InitProducerId with the
 * transactional id), with the offset between the client's epoch and the real one. Transaction
 * version 2 bumps the epoch at every EndTxn on both sides alike, so the offset stays put.
 *
 * <p>Bounded like {@link ProducerIdMapper}: at most {@code maxProducers}, least recently used first out.
 */
public final class TransactionalProducers {
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
        short virtualEpoch;
        int transactionTimeoutMs;
        final Map<String, Real> real = new HashMap<>();
        volatile long lastUsed;

        Producer(String transactionalId, long virtualId) {
            this.transactionalId = transactionalId;
            this.virtualId = virtualId;
        }
    }

    private final int maxProducers;
    private final ProducerIdMapper ids;
    private final Map<String, Producer> byTransactionalId = new ConcurrentHashMap<>();
    private final Map<Long, Producer> byVirtualId = new ConcurrentHashMap<>();

    /** @param ids where virtual ids come from, so idempotent and transactional ids never collide */
    public TransactionalProducers(int maxProducers, ProducerIdMapper ids) {
        this.maxProducers = maxProducers;
        this.ids = ids;
    }

    /**
     * A cluster's coordinator answered the client's InitProducerId: returns the virtual id and epoch
     * the client gets. A re-initialisation moves the virtual epoch forward and forgets other
     * clusters' real ids (they belong to the fenced instance).
     */
    public long[] initialized(String transactionalId, int timeoutMs, String cluster, long realId, short realEpoch) {
        Producer p = byTransactionalId.get(transactionalId);
        if (p == null) {
            p = new Producer(transactionalId, ids.newProducer());
            p.virtualEpoch = realEpoch;
            Producer raced = byTransactionalId.putIfAbsent(transactionalId, p);
            if (raced != null) {
                p = raced;
            } else {
                byVirtualId.put(p.virtualId, p);
                evictIfNeeded();
            }
        }
        synchronized (p) {
            short virtualEpoch = p.real.isEmpty() ? realEpoch : (short) Math.max(p.virtualEpoch + 1, realEpoch);
            p.virtualEpoch = virtualEpoch;
            p.transactionTimeoutMs = timeoutMs;
            p.real.clear();
            p.real.put(cluster, new Real(realId, virtualEpoch - realEpoch));
            p.lastUsed = System.nanoTime();
            return new long[] {p.virtualId, virtualEpoch};
        }
    }

    /** The real id on {@code cluster} for a client's virtual id, or null when none is known there yet. */
    public Real real(long virtualId, String cluster) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return null;
        }
        synchronized (p) {
            p.lastUsed = System.nanoTime();
            return p.real.get(cluster);
        }
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

    /** The proxy got a real id on {@code cluster} for a producer whose transactional id moved there. */
    public void adopted(long virtualId, String cluster, long realId, short realEpoch) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return;
        }
        synchronized (p) {
            // The transactional id lives on one cluster at a time: ids held elsewhere are stale (and
            // fenced there as soon as the id comes back and is initialised again).
            p.real.clear();
            p.real.put(cluster, new Real(realId, p.virtualEpoch - realEpoch));
        }
    }

    /**
     * An EndTxn answer under transaction version 2 carries the producer's next id and epoch; returns
     * the virtual epoch to pass on and keeps the mapping current (the real id can roll over).
     */
    public short ended(long virtualId, String cluster, long realId, short realEpoch) {
        Producer p = byVirtualId.get(virtualId);
        if (p == null) {
            return realEpoch;
        }
        synchronized (p) {
            Real r = p.real.get(cluster);
            int offset = r == null ? p.virtualEpoch - realEpoch : r.epochOffset;
            short virtualEpoch = (short) (realEpoch + offset);
            if (virtualEpoch < p.virtualEpoch) {
                // A new real id starts its epochs again: keep the client's epochs climbing.
                virtualEpoch = (short) (p.virtualEpoch + 1);
                offset = virtualEpoch - realEpoch;
            }
            p.real.put(cluster, new Real(realId, offset));
            p.virtualEpoch = virtualEpoch;
            return virtualEpoch;
        }
    }

    public boolean isTransactional(long virtualId) {
        return byVirtualId.containsKey(virtualId);
    }

    public int size() {
        return byVirtualId.size();
    }

    private synchronized void evictIfNeeded() {
        if (byVirtualId.size() <= maxProducers) {
            return;
        }
        List<Producer> all = new ArrayList<>(byVirtualId.values());
        all.sort((a, b) -> Long.compare(a.lastUsed, b.lastUsed));
        for (int i = 0; i < Math.max(1, maxProducers / 10) && i < all.size(); i++) {
            byVirtualId.remove(all.get(i).virtualId);
            byTransactionalId.remove(all.get(i).transactionalId);
        }
    }
}
