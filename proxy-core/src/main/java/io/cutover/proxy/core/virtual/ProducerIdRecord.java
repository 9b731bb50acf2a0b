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
     */
    record Placement(long producerId, String topic, String cluster, long realId, long at) implements ProducerIdRecord {
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
