package io.cutover.proxy.server.upstream;

import io.cutover.proxy.core.virtual.ProducerIdMapper;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real producer ids of each cluster, fetched ahead of need (a non-transactional InitProducerId per
 * id) so that mapping a producer to a cluster never waits on the request path. Taking one below the
 * low mark starts a refill.
 */
public final class RealProducerIdPool implements ProducerIdMapper.RealIdSource {
    private static final Logger LOG = LoggerFactory.getLogger(RealProducerIdPool.class);
    private static final int TARGET = 32;
    private static final int LOW_MARK = 16;

    private final Map<String, ClusterLink> links;
    private final Map<String, ConcurrentLinkedQueue<ProducerIdMapper.RealProducer>> pools = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    /** After a failed fetch, a cluster is left alone this long, so a cluster that is down is not hammered. */
    private static final long BACKOFF_NANOS = 1_000_000_000L;
    private final Map<String, Long> failedAt = new java.util.concurrent.ConcurrentHashMap<>();

    public RealProducerIdPool(Map<String, ClusterLink> links) {
        this.links = links;
        links.keySet().forEach(c -> {
            pools.put(c, new ConcurrentLinkedQueue<>());
            inFlight.put(c, new AtomicInteger());
        });
    }

    /**
     * Starts filling every cluster's pool and waits, up to {@code wait}, until each has an id, so the
     * first producers are not told to retry. A cluster that does not answer is not waited for longer.
     */
    public void start(java.time.Duration wait) {
        links.keySet().forEach(this::refill);
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline && pools.values().stream().anyMatch(ConcurrentLinkedQueue::isEmpty)) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            links.keySet().forEach(c -> {
                if (pools.get(c).isEmpty()) {
                    refill(c);
                }
            });
        }
    }

    @Override
    public ProducerIdMapper.RealProducer take(String cluster) {
        ConcurrentLinkedQueue<ProducerIdMapper.RealProducer> pool = pools.get(cluster);
        ProducerIdMapper.RealProducer real = pool.poll();
        if (pool.size() < LOW_MARK) {
            refill(cluster);
        }
        return real;
    }

    private void refill(String cluster) {
        ConcurrentLinkedQueue<ProducerIdMapper.RealProducer> pool = pools.get(cluster);
        AtomicInteger pending = inFlight.get(cluster);
        while (pool.size() + pending.get() < TARGET) {
            // Checked on every round: a link that knows its cluster is down fails the send at once,
            // inside this loop.
            Long failed = failedAt.get(cluster);
            if (failed != null && System.nanoTime() - failed < BACKOFF_NANOS) {
                return;
            }
            pending.incrementAndGet();
            links.get(cluster).<InitProducerIdResponseData>send(ApiKeys.INIT_PRODUCER_ID, (short) 4,
                    new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(-1)
                        .setProducerId(-1).setProducerEpoch((short) -1))
                .whenComplete((r, e) -> {
                    pending.decrementAndGet();
                    if (e != null || r.errorCode() != Errors.NONE.code()) {
                        failedAt.put(cluster, System.nanoTime());
                        LOG.debug("cannot get a producer id from cluster {}: {}", cluster,
                            e != null ? e.getMessage() : Errors.forCode(r.errorCode()));
                        return;
                    }
                    pool.add(new ProducerIdMapper.RealProducer(r.producerId(), r.producerEpoch()));
                });
        }
    }

    public int available(String cluster) {
        return pools.get(cluster).size();
    }
}
