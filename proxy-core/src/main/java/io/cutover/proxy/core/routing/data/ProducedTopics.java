package io.cutover.proxy.core.routing.data;

import java.util.Set;

/**
 * The topics and transactional id a Produce names, as read from its frame without decoding it: what
 * a wave's drain and transaction tracking need to know of a Produce in flight. Meant to be reused,
 * request after request, so that knowing costs no allocation.
 */
public final class ProducedTopics {
    /**
     * Topic names kept for one request. Producers name a few topics per request; one naming more is
     * left to the decoding path rather than grow this holder for a client's sake.
     */
    public static final int MAX_TOPICS = 1024;

    private String[] names = new String[8];
    private int count;
    private String transactionalId;

    public void clear() {
        count = 0;
        transactionalId = null;
    }

    /** Returns false, keeping nothing, once {@link #MAX_TOPICS} names are kept. */
    boolean add(String name) {
        if (count == names.length) {
            if (count == MAX_TOPICS) {
                return false;
            }
            names = java.util.Arrays.copyOf(names, Math.min(MAX_TOPICS, count * 2));
        }
        names[count++] = name;
        return true;
    }

    void transactionalId(String id) {
        this.transactionalId = id;
    }

    /** The request's transactional id, or null when its producer is not transactional. */
    public String transactionalId() {
        return transactionalId;
    }

    public int size() {
        return count;
    }

    public String name(int i) {
        if (i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        return names[i];
    }

    /** True when the request names one of {@code topics}. */
    public boolean namesAny(Set<String> topics) {
        for (int i = 0; i < count; i++) {
            if (topics.contains(names[i])) {
                return true;
            }
        }
        return false;
    }

    /** Makes this a copy of {@code other}: the holder of one request in flight, from the router's. */
    public void copyOf(ProducedTopics other) {
        if (names.length < other.count) {
            names = new String[other.names.length];
        }
        System.arraycopy(other.names, 0, names, 0, other.count);
        // Names left past the count are dropped, so a holder never keeps a topic it no longer names.
        java.util.Arrays.fill(names, other.count, Math.max(count, other.count), null);
        count = other.count;
        transactionalId = other.transactionalId;
    }
}
