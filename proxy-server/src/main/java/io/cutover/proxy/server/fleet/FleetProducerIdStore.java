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
 * instance made first instead of making a second. Two instances can still place one producer's
 * topic at the same moment (a producer whose connections reach two instances, after one was
 * killed): each placement carries a generation and takes effect only as read back, in the topic's
 * order, where the first of a generation wins on every instance
 * ({@link ProducerIdRecord.Placement#replaces}). That holds after compaction too: a placement's
 * entity names its generation, its writer and its time, so no placement replaces another in the
 * topic, and a cold instance replays them all in their order.
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

    /**
     * Hands every mapping saved by any instance from now on to {@code adopt} (this instance's own too).
     * A placement of a newer generation also lets this instance delete the placements of older
     * generations of the same producer and topic that it wrote itself: they can never count again,
     * and without that every move of a producer's topic would leave one more entity in the topic.
     */
    public void follow(Consumer<ProducerIdRecord> adopt) {
        state.onChangePrefix(PREFIX, e -> {
            ProducerIdRecord record;
            try {
                record = FileProducerIdStore.parse(e.body());
            } catch (IllegalArgumentException bad) {
                LOG.warn("fleet state: {} is not a producer id record, skipped: {}", e.entity(), bad.getMessage());
                return;
            }
            adopt.accept(record);
            if (record instanceof ProducerIdRecord.Placement p && p.generation() > 1) {
                deleteOwnOlderThan(p);
            }
        });
    }

    private void deleteOwnOlderThan(ProducerIdRecord.Placement newer) {
        String key = placementKey(newer.producerId(), newer.topic());
        for (String entity : placementEntities(newer.producerId(), newer.topic())) {
            if (entity.equals(key)) {
                continue;
            }
            // key/g<generation>/<writer>/<at>: the writer's id may hold any character but the time has none of '/'.
            String rest = entity.substring(key.length() + 2);
            int slash = rest.indexOf('/');
            int last = rest.lastIndexOf('/');
            if (slash < 0 || last <= slash) {
                continue;
            }
            int generation;
            try {
                generation = Integer.parseInt(rest.substring(0, slash));
            } catch (NumberFormatException e) {
                continue;
            }
            if (generation < newer.generation() && rest.substring(slash + 1, last).equals(state.instanceId())) {
                delete(entity.substring(PREFIX.length()));
            }
        }
    }

    private static String placementKey(long producerId, String topic) {
        return PREFIX + ProducerIdStore.keyOf(new ProducerIdRecord.Placement(producerId, topic, "", 0L, 0L));
    }

    /** Every entity holding a placement of this producer and topic: the one of records without a generation, and one per placement. */
    private List<String> placementEntities(long producerId, String topic) {
        String key = placementKey(producerId, topic);
        List<String> out = new ArrayList<>();
        for (String entity : state.entries(key).keySet()) {
            if (entity.equals(key) || entity.startsWith(key + "/g")) {
                out.add(entity);
            }
        }
        return out;
    }

    @Override
    public boolean shared() {
        return true;
    }

    /** The entity a record is kept under: one per placement (see above), else one per {@link ProducerIdStore#keyOf key}. */
    String entityOf(ProducerIdRecord record) {
        String key = PREFIX + ProducerIdStore.keyOf(record);
        if (record instanceof ProducerIdRecord.Placement p && p.generation() > 0) {
            return key + "/g" + p.generation() + "/" + state.instanceId() + "/" + p.at();
        }
        return key;
    }

    @Override
    public List<ProducerIdRecord> load() {
        List<ProducerIdRecord> out = new ArrayList<>();
        // In the topic's order: of two placements of one generation, the first wins.
        state.entries(PREFIX).values().stream().sorted(Comparator.comparingLong(StateEntry::offset)).forEach(e -> {
            try {
                out.add(FileProducerIdStore.parse(e.body()));
            } catch (IllegalArgumentException bad) {
                LOG.warn("fleet state: {} is not a producer id record, skipped: {}", e.entity(), bad.getMessage());
            }
        });
        return out;
    }

    @Override
    public void save(ProducerIdRecord record) throws IOException {
        try {
            state.putAndWait(entityOf(record), FileProducerIdStore.json(record), timeout);
        } catch (StateUnavailableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void forget(long producerId, java.util.Collection<String> topics) {
        for (String topic : topics) {
            for (String entity : placementEntities(producerId, topic)) {
                delete(entity.substring(PREFIX.length()));
            }
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
