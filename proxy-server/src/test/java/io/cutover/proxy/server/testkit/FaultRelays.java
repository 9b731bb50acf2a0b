package io.cutover.proxy.server.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** One {@link FaultRelay} in front of each broker of a cluster, faulted together: the link to the whole cluster. */
public final class FaultRelays implements AutoCloseable {
    private final List<FaultRelay> relays = new ArrayList<>();

    public static FaultRelays start(int count) {
        FaultRelays all = new FaultRelays();
        for (int i = 0; i < count; i++) {
            all.relays.add(FaultRelay.start());
        }
        return all;
    }

    /** The relay in front of broker {@code nodeId} (1-based). */
    public FaultRelay relay(int nodeId) {
        return relays.get(nodeId - 1);
    }

    /** Every relay's host:port, comma-separated: a bootstrap list. */
    public String addresses() {
        return relays.stream().map(FaultRelay::address).collect(Collectors.joining(","));
    }

    public void blackhole() {
        relays.forEach(FaultRelay::blackhole);
    }

    public void restore() {
        relays.forEach(FaultRelay::restore);
    }

    public void latency(Duration delay) {
        relays.forEach(r -> r.latency(delay));
    }

    public void bandwidth(long bytesPerSecond) {
        relays.forEach(r -> r.bandwidth(bytesPerSecond));
    }

    public void reset() {
        relays.forEach(FaultRelay::reset);
    }

    @Override
    public void close() {
        relays.forEach(FaultRelay::close);
    }
}
