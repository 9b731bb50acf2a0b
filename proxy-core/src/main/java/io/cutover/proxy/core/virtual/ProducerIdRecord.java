package io.cutover.proxy.core.virtual;

import java.util.Map;

/**
 * One fact about a producer's identity that must outlive the proxy (trap 17: a producer whose
 * request was in flight when the proxy died sends it again, and the broker drops the copy only if it
 * arrives under the same real producer id). Every record says when it was written ({@code at},
 * epoch millis), which bounds how long it is kept.
 */
public sealed interface ProducerIdRecord {
    long at();

    /**
     * Batches of {@code topic} from idempotent producer {@code producerId} go to {@code cluster}
     * under {@code realId} (the epoch is the client's). Only mappings other than the identity are
     * recorded: with none, a batch for the source carries its own id.
     *
     * <p>{@code generation} counts the producer's placements of the topic: each new one is one above
     * the placement it replaces. Two instances of a fleet that place the same producer and topic at
     * the same moment write the same generation; the one first in the store's order wins, on every
     * instance, so the producer's batches never go out under two real ids at once. 0 marks a record
     * written before generations existed: of those, the newer counts.
     */
    record Placement(long producerId, String topic, String cluster, long realId, long at, int generation) implements ProducerIdRecord {
        /** A placement of generation 0, as records written before generations were read. */
        public Placement(long producerId, String topic, String cluster, long realId, long at) {
            this(producerId, topic, cluster, realId, at, 0);
        }

        /**
         * Whether this placement replaces {@code held}, which was read before it in the store's
         * order: a higher generation does; of the same generation the one read first stays, except
         * among records without one (generation 0), where the newer does.
         */
        public boolean replaces(long heldRealId, long heldAt, int heldGeneration) {
            if (generation != heldGeneration) {
                return generation > heldGeneration;
            }
            return generation == 0 ? at >= heldAt : realId == heldRealId && at >= heldAt;
        }
    }

    /** Producer {@code producerId} was still in use at {@code at}: keeps its records from expiring. */
    record Seen(long producerId, long at) implements ProducerIdRecord {
    }

    /**
     * The whole state of a transactional producer: the virtual id and epoch its client holds, its
     * transaction timeout, and per cluster its real id and epoch offset. The newest record of a
     * transactional id replaces the older ones.
     */
    record Transactional(String transactionalId, long producerId, short epoch, int timeoutMs,
                         Map<String, TransactionalProducers.Real> real, long at) implements ProducerIdRecord {
        public Transactional {
            real = Map.copyOf(real);
        }
    }
}
