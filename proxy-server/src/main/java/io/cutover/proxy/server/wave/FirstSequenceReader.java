package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongUnaryOperator;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads each idempotent producer's last sequence on the cluster a switch leaves (DescribeProducers),
 * once the wave's writes there are held and drained, and hands them to {@link FirstSequences}
 * before the flip: the first batch of each partition on the other cluster must then follow it.
 * The read runs while the switch waits for replication, so it adds to the pause only when it is
 * slower than that wait.
 */
final class FirstSequenceReader {
    private static final Logger LOG = LoggerFactory.getLogger(FirstSequenceReader.class);
    /** How long a producer's first batch is held to its sequence: the Java producer's default delivery timeout. */
    static final Duration HOLD = Duration.ofMinutes(2);

    private final ClusterAdmins admins;
    private final ProducerIdMapper producers;

    FirstSequenceReader(ClusterAdmins admins, ProducerIdMapper producers) {
        this.admins = admins;
        this.producers = producers;
    }

    /** Where the expectations are held: what other instances' posts are installed into too. */
    FirstSequences sequences() {
        return producers.firstSequences();
    }

    /**
     * For a switch settled after its instance crashed between its flip and its release post: the
     * other instances still hold the wave's writes, so the sequences on {@code from} are final. Reads
     * them now, holds this instance's producers to them, and returns them for the release post; empty
     * (logged) when {@code from} does not answer by {@code deadlineNanos}.
     */
    List<FirstSequences.Expectation> readSettled(String from, String to, Collection<String> topics, long deadlineNanos) {
        List<TopicPartition> partitions = new ArrayList<>();
        try {
            admins.partitions(from, topics).forEach((topic, count) -> {
                for (int p = 0; p < count; p++) {
                    partitions.add(new TopicPartition(topic, p));
                }
            });
        } catch (ClusterAdmins.ClusterCallException e) {
            LOG.warn("settling a switch from {}: cannot list the wave's partitions ({}); the producers' first batches on {} go unchecked",
                from, e.getMessage(), to);
            return List.of();
        }
        if (partitions.isEmpty()) {
            return List.of();
        }
        ObjectNode report = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        return start(from, partitions).install(to, deadlineNanos, report);
    }

    /** The read, started. */
    Pending start(String from, Collection<TopicPartition> partitions) {
        return new Pending(from, admins.admin(from).describeProducers(partitions).all());
    }

    final class Pending {
        private final String from;
        private final KafkaFuture<Map<TopicPartition, PartitionProducerState>> states;

        private Pending(String from, KafkaFuture<Map<TopicPartition, PartitionProducerState>> states) {
            this.from = from;
            this.states = states;
        }

        /**
         * Waits for the read until {@code deadlineNanos} and records what the producers' first
         * batches on {@code to} must carry, counted in the report as {@code firstSequences}. A read
         * that fails leaves the switch to go on without (reported as {@code firstSequencesUnavailable},
         * and logged): the sequences guard
         * a producer's order, they are not a gate. Returns what was recorded, for the rest of a fleet.
         */
        List<FirstSequences.Expectation> install(String to, long deadlineNanos, ObjectNode report) {
            Map<TopicPartition, PartitionProducerState> read;
            try {
                read = states.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unavailable(report, "interrupted");
                return List.of();
            } catch (ExecutionException e) {
                unavailable(report, String.valueOf(e.getCause()));
                return List.of();
            } catch (TimeoutException e) {
                unavailable(report, "no answer before the fence's deadline");
                return List.of();
            }
            long until = System.currentTimeMillis() + HOLD.toMillis();
            Map<String, LongUnaryOperator> virtualIds = new HashMap<>();
            List<FirstSequences.Expectation> recorded = new ArrayList<>();
            for (Map.Entry<TopicPartition, PartitionProducerState> e : read.entrySet()) {
                TopicPartition tp = e.getKey();
                LongUnaryOperator toVirtual = virtualIds.computeIfAbsent(tp.topic(), t -> producers.virtualIds(from, t));
                List<ProducerState> active = e.getValue().activeProducers();
                for (ProducerState p : active) {
                    long virtualId = toVirtual.applyAsLong(p.producerId());
                    if (virtualId < 0 || p.lastSequence() < 0) {
                        continue; // not a producer of this proxy (a replicator, a direct client), or no sequence yet
                    }
                    recorded.add(new FirstSequences.Expectation(virtualId, tp.topic(), tp.partition(), to, (short) p.producerEpoch(),
                        p.lastSequence(), until));
                }
            }
            java.util.Set<String> topics = new java.util.HashSet<>();
            read.keySet().forEach(tp -> topics.add(tp.topic()));
            int full = recorded.size() - producers.firstSequences().replace(topics, recorded);
            report.put("firstSequences", recorded.size() - full);
            if (full > 0) {
                LOG.warn("switch to {}: {} producers' first sequences not recorded, {} already wait; their first batches there go unchecked",
                    to, full, producers.firstSequences().size());
            }
            return recorded;
        }

        private void unavailable(ObjectNode report, String why) {
            report.put("firstSequences", 0);
            report.put("firstSequencesUnavailable", why);
            LOG.warn("switch from {}: cannot read the producers' last sequences ({}); their first batches on the other cluster go unchecked",
                from, why);
        }
    }
}
