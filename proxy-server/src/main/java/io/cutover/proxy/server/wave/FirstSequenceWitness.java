package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@link FirstSequences} in a fleet: asks the cluster joined (DescribeProducers on the one
 * partition) whether it holds the producer's state under the real id this instance writes it with.
 * If so, another instance passed the producer's first batch there, and the broker keeps the order
 * from now on.
 *
 * <p>Only producers a switch left waiting, and only after a refusal, at most once a second each; and
 * at most {@link #MAX_IN_FLIGHT} questions at once, so a burst of refusals cannot queue admin calls
 * without bound.
 */
public final class FirstSequenceWitness implements FirstSequences.Witness {
    static final int MAX_IN_FLIGHT = 32;
    private static final Logger LOG = LoggerFactory.getLogger(FirstSequenceWitness.class);

    private final ClusterAdmins admins;
    private final ProducerIdMapper producers;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong satisfied = new AtomicLong();

    public FirstSequenceWitness(ClusterAdmins admins, ProducerIdMapper producers) {
        this.admins = admins;
        this.producers = producers;
    }

    @Override
    public void ask(long producerId, String topic, int partition, String cluster) {
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            return; // asked again at the producer's next refusal
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        try {
            admins.admin(cluster).describeProducers(List.of(tp)).partitionResult(tp).whenComplete((state, error) -> {
                inFlight.decrementAndGet();
                if (error != null) {
                    LOG.debug("cannot read the producers of {} on {}: {}", tp, cluster, error.toString());
                    return;
                }
                if (holds(state, producerId, topic, cluster)) {
                    satisfied.incrementAndGet();
                    producers.firstSequences().satisfied(producerId, topic, partition, cluster);
                }
            });
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            LOG.debug("cannot ask {} for the producers of {}: {}", cluster, tp, e.toString());
        }
    }

    private boolean holds(PartitionProducerState state, long producerId, String topic, String cluster) {
        long real = producers.existingRealFor(producerId, cluster, topic);
        if (real == ProducerIdMapper.NOT_YET) {
            return false; // no real id here yet: nothing can have passed under it
        }
        for (ProducerState p : state.activeProducers()) {
            if (p.producerId() == real && p.lastSequence() >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Expectations let go because the cluster already held the producer's state: for the metrics. */
    public long satisfiedCount() {
        return satisfied.get();
    }
}
