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
 * Transactions in progress through the proxy, as seen on the wire: a transaction is open from its
 * first AddPartitionsToTxn or AddOffsetsToTxn until its EndTxn. Route changes consult it so that a
 * transaction is never split between clusters.
 *
 * <p>Bounded: a transaction cannot outlive the brokers' transaction.max.timeout.ms (15 minutes by
 * default, after which the coordinator aborts it), so older entries are dropped; and at most
 * {@code MAX_OPEN} are kept.
 */
public final class OpenTransactions {
    private static final int MAX_OPEN = 100_000;
    private static final long EXPIRY_NANOS = 15L * 60 * 1_000_000_000L;

    /** One open transaction: where its coordinator is, which topics it wrote, and whose it is. */
    public record Open(String transactionalId, String cluster, Set<String> topics, ClientSelector.ClientIdentity client, long since) {
    }

    private final Map<String, Open> open = new ConcurrentHashMap<>();

    public void wrote(String transactionalId, String cluster, Collection<String> topics, ClientSelector.ClientIdentity client) {
        open.compute(transactionalId, (id, o) -> {
            if (o == null || System.nanoTime() - o.since > EXPIRY_NANOS) {
                if (open.size() >= MAX_OPEN) {
                    expire();
                }
                o = new Open(id, cluster, ConcurrentHashMap.newKeySet(), client, System.nanoTime());
            }
            o.topics.addAll(topics);
            return o;
        });
    }

    public void ended(String transactionalId) {
        open.remove(transactionalId);
    }

    /** Open transactions that {@code next} would split: their id or one of their topics would route to another cluster. */
    public List<String> splitBy(RouteTable next) {
        List<String> reasons = new ArrayList<>();
        long now = System.nanoTime();
        for (Open o : open.values()) {
            if (now - o.since > EXPIRY_NANOS) {
                continue;
            }
            var routes = next.forClient(o.client);
            if (!routes.transactionalId(o.transactionalId).equals(o.cluster)) {
                reasons.add("transactional id " + o.transactionalId + " has a transaction open on " + o.cluster);
                continue;
            }
            for (String topic : o.topics) {
                if (!routes.topic(topic).equals(o.cluster)) {
                    reasons.add("topic " + topic + " is written by the open transaction of " + o.transactionalId + " on " + o.cluster);
                }
            }
        }
        return reasons;
    }

    public int size() {
        return open.size();
    }

    private void expire() {
        long now = System.nanoTime();
        open.values().removeIf(o -> now - o.since > EXPIRY_NANOS);
    }
}
