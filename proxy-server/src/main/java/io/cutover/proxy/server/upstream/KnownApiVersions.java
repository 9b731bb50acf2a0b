package io.cutover.proxy.server.upstream;

import io.cutover.proxy.core.state.FileApiVersionsStore;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API versions each cluster last answered, this run or an earlier one. What a link learns is
 * written to the state directory when it differs from what is kept, off the event loop (it fsyncs),
 * so that after a restart with a cluster down the proxy still knows that cluster's ranges.
 */
public final class KnownApiVersions {
    private static final Logger LOG = LoggerFactory.getLogger(KnownApiVersions.class);

    private final FileApiVersionsStore store;
    private final AtomicReference<Map<String, ApiVersionsResponseData>> known;

    public KnownApiVersions(FileApiVersionsStore store) {
        this.store = store;
        this.known = new AtomicReference<>(store.load());
    }

    /** The ranges last kept for {@code cluster}, or null when it never answered. */
    public ApiVersionsResponseData of(String cluster) {
        return known.get().get(cluster);
    }

    /** Notes what a cluster answered; keeps it if it changed. */
    public void learnt(String cluster, ApiVersionsResponseData answer) {
        ApiVersionsResponseData ranges = FileApiVersionsStore.ranges(answer);
        Map<String, ApiVersionsResponseData> before;
        Map<String, ApiVersionsResponseData> after;
        do {
            before = known.get();
            if (ranges.equals(before.get(cluster))) {
                return;
            }
            Map<String, ApiVersionsResponseData> next = new HashMap<>(before);
            next.put(cluster, ranges);
            after = Map.copyOf(next);
        } while (!known.compareAndSet(before, after));
        CompletableFuture.runAsync(this::save);
    }

    /** Writes the newest snapshot: saves may run out of order, but each writes what is current then. */
    private synchronized void save() {
        try {
            store.save(known.get());
        } catch (RuntimeException e) {
            LOG.warn("cannot keep the clusters' API versions in {}: {}", store.file(), e.getMessage());
        }
    }
}
