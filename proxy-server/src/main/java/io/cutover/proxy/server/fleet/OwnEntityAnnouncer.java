package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.concurrent.DaemonScheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one entity only this instance writes ({@code <prefix><instance-id>}) every interval, on a
 * thread of its own, and removes it on a clean stop. A round that cannot reach the state cluster is
 * skipped: the next one writes whatever is true then.
 */
final class OwnEntityAnnouncer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OwnEntityAnnouncer.class);

    private final FleetState state;
    private final String entity;
    private final Duration interval;
    private final Supplier<JsonNode> body;
    private final boolean onlyChanges;
    private final ScheduledExecutorService timer;
    private JsonNode written;

    /** @param onlyChanges write a round's body only when it differs from the last one written */
    OwnEntityAnnouncer(FleetState state, String prefix, Duration interval, Supplier<JsonNode> body, boolean onlyChanges) {
        this.state = state;
        this.entity = prefix + state.instanceId();
        this.interval = interval;
        this.body = body;
        this.onlyChanges = onlyChanges;
        this.timer = DaemonScheduler.named("fleet-" + prefix.replace("/", ""));
    }

    void start() {
        timer.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void round() {
        try {
            JsonNode now = body.get();
            if (!onlyChanges || !now.equals(written)) {
                state.put(entity, now);
                written = now;
            }
        } catch (RuntimeException e) {
            LOG.debug("fleet: {} not written: {}", entity, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
            state.delete(entity);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("fleet: could not remove {}: {}", entity, e.toString());
        }
    }
}
