package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Transactions in progress through the proxy, as the brokers answered them: a transaction is open
 * from the first partition (or group offsets) its coordinator accepted into it, through
 * AddPartitionsToTxn, AddOffsetsToTxn or, under transaction version 2 (KIP-890), a transactional
 * Produce, until an EndTxn (or an InitProducerId of the same id, which ends whatever was open)
 * succeeds. Only accepted requests count, so a client cannot hold route changes with requests
 * the brokers refuse. Route changes consult it so that a transaction is never split between
 * clusters.
 *
 * <p>Bounded: a transaction cannot outlive the brokers' transaction.max.timeout.ms (15 minutes by
 * default, after which the coordinator aborts it), so older entries are dropped; and at most
 * {@code MAX_OPEN} are kept. Each connection also records at most a few transactional ids (see
 * the caller), so one client cannot fill the table.
 *
 * <p>Thread-safety: called from every event loop and read by the route guard. No function passed
 * to the map's {@code compute} touches a map: it only picks the entry; topics are added, and old
 * entries dropped, outside it (a ConcurrentHashMap must not be modified from inside its own
 * compute, which can deadlock or fail with a recursive update).
 */
public final class OpenTransactions {
    private static final int MAX_OPEN = 100_000;
    private static final long EXPIRY_NANOS = 15L * 60 * 1_000_000_000L;

    /** One open transaction: where its coordinator is, which topics it wrote, and whose it is. */
    public record Open(String transactionalId, String cluster, Set<String> topics, ClientSelector.ClientIdentity client, long since) {
    }

    private final Map<String, Open> open = new ConcurrentHashMap<>();

    /**
     * The coordinator on {@code cluster} accepted {@code topics} (possibly none, for group offsets)
     * into the transaction of {@code transactionalId}. Returns false when the table is full of
     * live transactions and this one could not be recorded.
     */
    public boolean added(String transactionalId, String cluster, Collection<String> topics, ClientSelector.ClientIdentity client) {
        long now = System.nanoTime();
        if (open.size() >= MAX_OPEN && !open.containsKey(transactionalId)) {
            expire(now);
            if (open.size() >= MAX_OPEN) {
                return false;
            }
        }
        Open o = open.compute(transactionalId, (id, current) -> current != null && current.cluster.equals(cluster)
            && now - current.since <= EXPIRY_NANOS
            ? current
            : new Open(id, cluster, ConcurrentHashMap.newKeySet(), client, now));
        o.topics.addAll(topics);
        return true;
    }

    /** True while {@code transactionalId} has a transaction its coordinator accepted and that has not ended. */
    public boolean isOpen(String transactionalId) {
        Open o = open.get(transactionalId);
        return o != null && System.nanoTime() - o.since <= EXPIRY_NANOS;
    }

    public void ended(String transactionalId) {
        open.remove(transactionalId);
    }

    /** One open transaction a route change would split, and how. */
    public record Split(String transactionalId, String reason) {
    }

    /** Open transactions that {@code next} would split: their id or one of their topics would route to another cluster. */
    public List<String> splitBy(RouteTable next) {
        List<String> reasons = new ArrayList<>();
        splits(next).forEach(s -> reasons.add(s.reason()));
        return reasons;
    }

    /** The same, with the transactional id of each. */
    public List<Split> splits(RouteTable next) {
        List<Split> splits = new ArrayList<>();
        long now = System.nanoTime();
        for (Open o : open.values()) {
            if (now - o.since > EXPIRY_NANOS) {
                continue;
            }
            var routes = next.forClient(o.client);
            if (!routes.transactionalId(o.transactionalId).equals(o.cluster)) {
                splits.add(new Split(o.transactionalId, "transactional id " + o.transactionalId + " has a transaction open on " + o.cluster));
                continue;
            }
            for (String topic : o.topics) {
                if (!routes.topic(topic).equals(o.cluster)) {
                    splits.add(new Split(o.transactionalId,
                        "topic " + topic + " is written by the open transaction of " + o.transactionalId + " on " + o.cluster));
                }
            }
        }
        return splits;
    }

    public int size() {
        return open.size();
    }

    private void expire(long now) {
        open.values().removeIf(o -> now - o.since > EXPIRY_NANOS);
    }
}
