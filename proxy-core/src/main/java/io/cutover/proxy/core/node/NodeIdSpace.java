package io.cutover.proxy.core.node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Gives each upstream cluster a disjoint range of virtual node ids: virtual id = the cluster's offset
 * plus the broker's own id. The mapping is pure arithmetic, so it is stable across restarts and
 * across proxies, and adding a broker or a cluster never renumbers an existing node.
 */
public final class NodeIdSpace {
    private final List<Range> ranges;

    private record Range(String cluster, int offset, int limit) {
    }

    /** @param offsets cluster name to node-id offset; offsets must differ. */
    public NodeIdSpace(Map<String, Integer> offsets) {
        List<Map.Entry<String, Integer>> sorted = new ArrayList<>(offsets.entrySet());
        sorted.sort(Comparator.comparingInt(Map.Entry::getValue));
        List<Range> built = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            Map.Entry<String, Integer> e = sorted.get(i);
            if (e.getValue() < 0) {
                throw new IllegalArgumentException("node-id-offset of cluster " + e.getKey() + " is negative");
            }
            int limit = i + 1 < sorted.size() ? sorted.get(i + 1).getValue() : Integer.MAX_VALUE;
            if (limit == e.getValue()) {
                throw new IllegalArgumentException("clusters " + e.getKey() + " and " + sorted.get(i + 1).getKey()
                    + " have the same node-id-offset " + limit);
            }
            built.add(new Range(e.getKey(), e.getValue(), limit));
        }
        this.ranges = List.copyOf(built);
    }

    public static NodeIdSpace single(String cluster) {
        return new NodeIdSpace(Map.of(cluster, 0));
    }

    /** The virtual id of broker {@code upstreamId} of {@code cluster}; -1 (no node) stays -1. */
    public int virtualId(String cluster, int upstreamId) {
        if (upstreamId < 0) {
            return upstreamId;
        }
        Range r = range(cluster);
        long id = (long) r.offset + upstreamId;
        if (id >= r.limit) {
            throw new NodeIdOutOfRangeException("broker id " + upstreamId + " of cluster " + cluster
                + " does not fit below the next cluster's node-id-offset " + r.limit);
        }
        return (int) id;
    }

    public String clusterOf(int virtualId) {
        for (Range r : ranges) {
            if (virtualId >= r.offset && virtualId < r.limit) {
                return r.cluster;
            }
        }
        return null;
    }

    public int upstreamId(int virtualId) {
        for (Range r : ranges) {
            if (virtualId >= r.offset && virtualId < r.limit) {
                return virtualId - r.offset;
            }
        }
        return -1;
    }

    private Range range(String cluster) {
        for (Range r : ranges) {
            if (r.cluster.equals(cluster)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown cluster " + cluster);
    }

    /** A broker id that would collide with another cluster's virtual ids. */
    public static final class NodeIdOutOfRangeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public NodeIdOutOfRangeException(String message) {
            super(message);
        }
    }
}
