package io.cutover.proxy.core.wave;

import java.util.Map;
import java.util.TreeMap;

/**
 * A replicator's offset syncs for one partition: pairs of (source offset, target offset) of the same
 * record, as MirrorMaker 2 writes them to its offset-syncs topic. Bounded: the oldest pairs go first.
 * Not thread-safe; one reader owns it.
 */
public final class PartitionSyncs {
    private static final int MAX_PAIRS = 10_000;

    private final TreeMap<Long, Long> byUpstream = new TreeMap<>();

    public void add(long upstream, long downstream) {
        // A re-created target or a replicator restart can map the same source offset anew; the
        // latest word wins.
        byUpstream.put(upstream, downstream);
        while (byUpstream.size() > MAX_PAIRS) {
            byUpstream.pollFirstEntry();
        }
    }

    public Map.Entry<Long, Long> latest() {
        return byUpstream.lastEntry();
    }

    /** The pair with the greatest source offset at or below {@code upstream}, or null. */
    public Map.Entry<Long, Long> atOrBelow(long upstream) {
        return byUpstream.floorEntry(upstream);
    }

    /** The pair with the least source offset above {@code upstream}, or null. */
    public Map.Entry<Long, Long> above(long upstream) {
        return byUpstream.higherEntry(upstream);
    }

    /** The pair with the greatest target offset at or below {@code downstream}, or null. */
    public Map.Entry<Long, Long> atOrBelowDownstream(long downstream) {
        Map.Entry<Long, Long> best = null;
        for (Map.Entry<Long, Long> e : byUpstream.descendingMap().entrySet()) {
            if (e.getValue() <= downstream) {
                best = e;
                break;
            }
        }
        return best;
    }

    public PartitionSyncs copy() {
        PartitionSyncs c = new PartitionSyncs();
        c.byUpstream.putAll(byUpstream);
        return c;
    }

    public int size() {
        return byUpstream.size();
    }
}
