package io.cutover.proxy.server.wave;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The lowest and highest version of each API clients used through the proxy, for the gate that
 * asks whether the target can serve them. Fixed size: one pair per API key.
 */
public final class ClientObservations {
    private static final int KEYS = 128;

    private final AtomicIntegerArray minVersion = new AtomicIntegerArray(KEYS);
    private final AtomicIntegerArray maxVersion = new AtomicIntegerArray(KEYS);

    public ClientObservations() {
        for (int i = 0; i < KEYS; i++) {
            minVersion.set(i, Integer.MAX_VALUE);
            maxVersion.set(i, -1);
        }
    }

    /** Per request: two reads, and a write only the first time a version is seen. */
    public void used(short apiKey, short version) {
        if (apiKey < 0 || apiKey >= KEYS) {
            return;
        }
        if (version > maxVersion.get(apiKey)) {
            maxVersion.accumulateAndGet(apiKey, version, Math::max);
        }
        if (version < minVersion.get(apiKey)) {
            minVersion.accumulateAndGet(apiKey, version, Math::min);
        }
    }

    /** API key to [lowest, highest] version used since start. */
    public Map<Short, short[]> usedVersions() {
        Map<Short, short[]> out = new TreeMap<>();
        for (int i = 0; i < KEYS; i++) {
            if (maxVersion.get(i) >= 0) {
                out.put((short) i, new short[] {(short) minVersion.get(i), (short) maxVersion.get(i)});
            }
        }
        return out;
    }
}
