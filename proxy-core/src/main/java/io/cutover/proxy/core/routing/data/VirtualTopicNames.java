package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.TopicIds;
import org.apache.kafka.common.Uuid;

/**
 * The topic names of virtual topic ids read from frames, without a Uuid per lookup. A virtual id
 * stands for one name for good (it is derived from the name), so an answer once found stays right;
 * only ids the proxy issued are kept, in a small cache of fixed size. Tied to one {@link TopicIds}:
 * asked about another, it starts afresh.
 */
final class VirtualTopicNames {
    private static final int SLOTS = 64;

    private final long[] msb = new long[SLOTS];
    private final long[] lsb = new long[SLOTS];
    private final String[] names = new String[SLOTS];
    private TopicIds owner;

    /** The topic {@code msb}/{@code lsb} stands for, or null when {@code ids} never issued it. */
    String nameOf(TopicIds ids, long mostSignificant, long leastSignificant) {
        if (ids != owner) {
            java.util.Arrays.fill(names, null);
            owner = ids;
        }
        long mix = mostSignificant ^ leastSignificant;
        int slot = (int) (mix ^ (mix >>> 32)) & (SLOTS - 1);
        if (names[slot] != null && msb[slot] == mostSignificant && lsb[slot] == leastSignificant) {
            return names[slot];
        }
        String name = ids.nameOfVirtual(new Uuid(mostSignificant, leastSignificant));
        if (name != null) {
            msb[slot] = mostSignificant;
            lsb[slot] = leastSignificant;
            names[slot] = name;
        }
        return name;
    }
}
