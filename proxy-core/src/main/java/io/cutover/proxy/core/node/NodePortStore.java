package io.cutover.proxy.core.node;

import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Persists which proxy port each virtual node got, so a restarted proxy hands out the same ports and
 * clients holding cached metadata reconnect to the right broker.
 */
public interface NodePortStore {
    /** Virtual node id to port, as last saved; empty when nothing was saved. */
    Map<Integer, Integer> load();

    void save(Map<Integer, Integer> portsByVirtualId);

    /**
     * The port of a node this proxy sees for the first time, when the store decides it: a store
     * shared by a fleet hands out the port another instance already gave the node, or reserves the
     * first port {@code usable} here that no instance holds, before it is bound, so every instance
     * gives each broker the same port. Null leaves the choice to the registry (a file of its own).
     */
    default Integer reserve(int virtualId, IntPredicate usable) {
        return null;
    }

    /** A store that remembers nothing, for tests and benchmarks. */
    static NodePortStore inMemory() {
        return new NodePortStore() {
            private volatile Map<Integer, Integer> saved = Map.of();

            @Override
            public Map<Integer, Integer> load() {
                return saved;
            }

            @Override
            public void save(Map<Integer, Integer> portsByVirtualId) {
                saved = Map.copyOf(portsByVirtualId);
            }
        };
    }
}
