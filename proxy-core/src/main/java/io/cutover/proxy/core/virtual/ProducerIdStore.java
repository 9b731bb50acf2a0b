package io.cutover.proxy.core.virtual;

import java.io.IOException;
import java.util.List;

/**
 * Where producer identity mappings are kept so that they survive the proxy. A mapping is saved
 * before its first use: a batch that reached a broker under a real id can always be sent again
 * under the same one. The file implementation is a journal in the state directory; a fleet of
 * proxies can implement the same contract on a compacted Kafka topic (keyed as {@link #keyOf}).
 */
public interface ProducerIdStore {
    /**
     * Everything saved that is still within the bound, oldest first; of several records with the
     * same {@link #keyOf key}, only the newest. Read once, at start.
     */
    List<ProducerIdRecord> load();

    /** Saves a record durably: once this returns, a crash of the proxy cannot lose it. */
    void save(ProducerIdRecord record) throws IOException;

    /**
     * Returns once every record other proxies of a fleet saved before this call is known here
     * (handed to {@link ProducerIdMapper#adopt}); false when that could not be made sure of. Called
     * before a new mapping is made, so that none is made beside one another instance made first.
     * Alone, a proxy knows all its records already.
     */
    default boolean awaitLatest() {
        return true;
    }

    /**
     * Producer {@code producerId} was forgotten (seen nowhere within the bound): the records under
     * its keys ({@code topics}' placements and its seen record) may go. The file journal drops them
     * at its next compaction anyway; a fleet's topic needs them deleted, or it only grows.
     */
    default void forget(long producerId, java.util.Collection<String> topics) {
    }

    /** As {@link #forget(long, java.util.Collection)}, for a transactional id's record. */
    default void forgetTransactional(String transactionalId) {
    }

    /**
     * True when other proxies write to the same store (a fleet): a placement then takes effect
     * only once read back from it, in its order ({@link ProducerIdRecord.Placement#replaces}), so
     * that two instances placing one producer at the same moment agree which placement won.
     */
    default boolean shared() {
        return false;
    }

    /**
     * The compaction key: a newer record with the same key replaces an older one. Placements are
     * per producer and topic, transactional state per transactional id, and a Seen per producer.
     */
    static String keyOf(ProducerIdRecord r) {
        if (r instanceof ProducerIdRecord.Placement p) {
            return "p/" + p.producerId() + "/" + p.topic();
        }
        if (r instanceof ProducerIdRecord.Seen s) {
            return "s/" + s.producerId();
        }
        return "t/" + ((ProducerIdRecord.Transactional) r).transactionalId();
    }

    /** Keeps nothing: for a proxy in front of one cluster (it maps no ids) and for tests. */
    static ProducerIdStore none() {
        return new ProducerIdStore() {
            @Override
            public List<ProducerIdRecord> load() {
                return List.of();
            }

            @Override
            public void save(ProducerIdRecord record) {
            }
        };
    }
}
