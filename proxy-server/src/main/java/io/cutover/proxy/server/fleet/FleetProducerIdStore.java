package io.cutover.proxy.server.fleet;

import io.cutover.proxy.core.state.FileProducerIdStore;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Producer id mappings kept in the fleet's state topic (entities {@code producer-id/<key>}, keyed as
 * {@link ProducerIdStore#keyOf}), so that every instance writes a producer's batches for a moved
 * topic under the same real id: a producer that reconnects through another instance, after a kill
 * or a drain, keeps its sequences, and the broker drops a batch it retries there.
 *
 * <p>A save returns once the state cluster acknowledged it (the mapping is used only after that);
 * before making a new mapping an instance reads the topic to its end, so it adopts one another
 * instance made first instead of making a second.
 */
public final class FleetProducerIdStore implements ProducerIdStore {
    public static final String PREFIX = "producer-id/";
    /**
     * The longest a new mapping waits for the state cluster (to read it to its end, then to take the
     * mapping). It waits on the connection's event loop, as the file journal's fsync does, once per
     * producer and topic moved; past it the producer gets a retriable error and sends again.
     */
    public static final Duration EVENT_LOOP_WAIT = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(FleetProducerIdStore.class);

    private final FleetState state;
    private final Duration timeout;

    public FleetProducerIdStore(FleetState state, Duration timeout) {
        this.state = state;
        this.timeout = timeout;
    }

    /** Hands every mapping saved by any instance from now on to {@code adopt} (this instance's own too). */
    public void follow(Consumer<ProducerIdRecord> adopt) {
        state.onChangePrefix(PREFIX, e -> {
            try {
                adopt.accept(FileProducerIdStore.parse(e.body()));
            } catch (IllegalArgumentException bad) {
                LOG.warn("fleet state: {} is not a producer id record, skipped: {}", e.entity(), bad.getMessage());
            }
        });
    }

    @Override
    public List<ProducerIdRecord> load() {
        List<ProducerIdRecord> out = new ArrayList<>();
        state.entries(PREFIX).values().forEach(e -> {
            try {
                out.add(FileProducerIdStore.parse(e.body()));
            } catch (IllegalArgumentException bad) {
                LOG.warn("fleet state: {} is not a producer id record, skipped: {}", e.entity(), bad.getMessage());
            }
        });
        out.sort(Comparator.comparingLong(ProducerIdRecord::at));
        return out;
    }

    @Override
    public void save(ProducerIdRecord record) throws IOException {
        try {
            state.putAndWait(PREFIX + ProducerIdStore.keyOf(record), FileProducerIdStore.json(record), timeout);
        } catch (StateUnavailableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void forget(long producerId, java.util.Collection<String> topics) {
        for (String topic : topics) {
            delete(ProducerIdStore.keyOf(new ProducerIdRecord.Placement(producerId, topic, "", 0L, 0L)));
        }
        delete(ProducerIdStore.keyOf(new ProducerIdRecord.Seen(producerId, 0L)));
    }

    @Override
    public void forgetTransactional(String transactionalId) {
        delete(ProducerIdStore.keyOf(new ProducerIdRecord.Transactional(transactionalId, 0L, (short) 0, 0, java.util.Map.of(), 0L)));
    }

    /**
     * A tombstone, so compaction removes the key. Every instance forgets an idle producer at about the
     * same time (each adopts the others' seen records); only those whose view still holds the key write one.
     */
    private void delete(String key) {
        if (state.entry(PREFIX + key) != null) {
            try {
                // Not waited for: upkeep runs on the admin loop and may forget thousands of producers at once.
                state.deleteAsync(PREFIX + key);
            } catch (RuntimeException e) {
                LOG.warn("fleet state: cannot delete {} (it stays until the next instance forgets it): {}", PREFIX + key, e.toString());
            }
        }
    }

    @Override
    public boolean awaitLatest() {
        return state.awaitCaughtUp(timeout);
    }
}
