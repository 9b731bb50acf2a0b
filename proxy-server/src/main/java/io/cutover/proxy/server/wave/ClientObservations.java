package io.cutover.proxy.server.wave;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * What the proxy saw clients do that a wave's gates need: the lowest and highest version of each
 * API clients used (can the target serve them?), and which client ids fetch which topics with and
 * without a consumer group (a consumer outside any group keeps its offsets outside Kafka, where no
 * translation reaches). Bounded: at most {@link #MAX_CLIENTS} client ids are remembered.
 */
public final class ClientObservations {
    static final int MAX_CLIENTS = 10_000;
    private static final int KEYS = 128;

    private final AtomicIntegerArray minVersion = new AtomicIntegerArray(KEYS);
    private final AtomicIntegerArray maxVersion = new AtomicIntegerArray(KEYS);
    private final Map<String, Set<String>> fetchedBy = new ConcurrentHashMap<>();
    private final Set<String> inGroups = ConcurrentHashMap.newKeySet();

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

    public void fetched(String clientId, String topic) {
        Set<String> topics = fetchedBy.get(clientId);
        if (topics == null) {
            if (fetchedBy.size() >= MAX_CLIENTS) {
                return;
            }
            topics = fetchedBy.computeIfAbsent(clientId, c -> ConcurrentHashMap.newKeySet());
        }
        topics.add(topic);
    }

    public void grouped(String clientId) {
        if (inGroups.size() < MAX_CLIENTS) {
            inGroups.add(clientId);
        }
    }

    /** Client ids that fetched one of {@code topics} as consumers and never spoke to a group coordinator. */
    public Set<String> groupless(Set<String> topics) {
        Set<String> out = new java.util.TreeSet<>();
        fetchedBy.forEach((client, fetched) -> {
            if (!inGroups.contains(client) && fetched.stream().anyMatch(topics::contains)) {
                out.add(client);
            }
        });
        return out;
    }
}
