package io.cutover.proxy.core.node;

import java.util.Map;

/**
 * Persists which proxy port each virtual node got, so a restarted proxy hands out the same ports and
 * clients holding cached metadata reconnect to the right broker.
 */
public interface NodePortStore {
    /** Virtual node id to port, as last saved; empty when nothing was saved. */
    Map<Integer, Integer> load();

    void save(Map<Integer, Integer> portsByVirtualId);

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
