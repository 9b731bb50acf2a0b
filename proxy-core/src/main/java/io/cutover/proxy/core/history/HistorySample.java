package io.cutover.proxy.core.history;

import java.time.Instant;
import java.util.Map;

/**
 * What the proxy measured at one moment, one value per series key (a cluster, a wave, an error code).
 *
 * @param requestsPerSecond      requests forwarded to each cluster per second since the previous sample
 * @param replicationLag         each wave's replication lag in records, as of its last check or switch
 * @param staleClients           connections per cluster told to move that still ask it for moved resources
 * @param forcedErrorsPerSecond  errors sent on purpose to move clients, per error code, per second
 * @param writePausesMs          the write pause of each switch or rollback that ended since the previous sample, by wave
 */
public record HistorySample(Instant at, Map<String, Double> requestsPerSecond, Map<String, Double> replicationLag,
                            Map<String, Double> staleClients, Map<String, Double> forcedErrorsPerSecond,
                            Map<String, Double> writePausesMs) {
    public HistorySample {
        requestsPerSecond = Map.copyOf(requestsPerSecond);
        replicationLag = Map.copyOf(replicationLag);
        staleClients = Map.copyOf(staleClients);
        forcedErrorsPerSecond = Map.copyOf(forcedErrorsPerSecond);
        writePausesMs = Map.copyOf(writePausesMs);
    }
}
