package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Producer ids and sequences for replayed idempotent produce. A captured producer id means nothing
 * to the target (and a second replay would collide with the first), so each captured producer gets
 * a fresh id from the target, and each of its partitions a sequence that starts at 0 and advances
 * by the batches actually sent.
 */
final class ReplayProducers {
    private final TargetCluster target;
    private final Map<Long, long[]> byCapturedId = new HashMap<>();
    private final Map<String, Integer> sequences = new HashMap<>();

    ReplayProducers(TargetCluster target) {
        this.target = target;
    }

    /** The replay's producer id and epoch for a captured producer id. */
    synchronized long[] producerFor(long capturedId) throws IOException {
        long[] p = byCapturedId.get(capturedId);
        if (p == null) {
            p = target.newProducer();
            byCapturedId.put(capturedId, p);
        }
        return p;
    }

    /** The base sequence for the next batch of {@code records} records; advances the partition's sequence. */
    synchronized int nextSequence(long producerId, String topic, int partition, int records) {
        String key = producerId + "/" + topic + "/" + partition;
        int base = sequences.getOrDefault(key, 0);
        sequences.put(key, base + records);
        return base;
    }

    synchronized int producers() {
        return byCapturedId.size();
    }
}
