package io.cutover.proxy.server.fleet;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each instance announces itself in the state topic every heartbeat interval (its id, address,
 * version, state, the route-table version it serves, how far behind the state topic it is, its
 * connections) and reads the others' announcements from the same topic. An instance whose last
 * heartbeat is older than three intervals is not live. A clean stop removes the announcement.
 */
public final class FleetMembership implements AutoCloseable {
    public static final String PREFIX = "member/";
    private static final Logger LOG = LoggerFactory.getLogger(FleetMembership.class);
    static final int MISSED_BEATS = 3;

    private final FleetState state;
    private final Duration interval;
    private final Supplier<ObjectNode> self;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    /** {@code self} describes this instance now (state, routesVersion, connections, ...); called on the heartbeat thread. */
    public FleetMembership(FleetState state, Duration interval, Supplier<ObjectNode> self, Clock clock) {
        this.state = state;
        this.interval = interval;
        this.self = self;
        this.clock = clock;
        this.timer = DaemonScheduler.named("fleet-heartbeat");
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::beat, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void beat() {
        try {
            ObjectNode body = self.get();
            body.put("id", state.instanceId());
            body.put("stateLagRecords", state.lag());
            state.put(PREFIX + state.instanceId(), body);
        } catch (RuntimeException e) {
            // The state cluster is down: the others will see this instance go quiet, which is the truth.
            LOG.debug("fleet heartbeat not sent: {}", e.toString());
        }
    }

    /** The fleet as this instance reads it: every announced instance, this one included, with its liveness. */
    public JsonNode members() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("instance", state.instanceId());
        root.put("heartbeatIntervalMs", interval.toMillis());
        ArrayNode list = root.putArray("instances");
        Instant now = clock.instant();
        int live = 0;
        for (StateEntry e : state.entries(PREFIX).values()) {
            ObjectNode m = e.body().deepCopy();
            long ago = Math.max(0, now.toEpochMilli() - e.version());
            boolean isLive = ago <= interval.toMillis() * MISSED_BEATS;
            m.put("lastHeartbeatMsAgo", ago);
            m.put("live", isLive);
            if (!isLive) {
                // Whatever it said last, it is not serving as far as the fleet can tell.
                m.put("state", "lost");
            }
            live += isLive ? 1 : 0;
            list.add(m);
        }
        root.put("live", live);
        return root;
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
            state.delete(PREFIX + state.instanceId());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.debug("fleet: could not remove this instance's announcement: {}", e.toString());
        }
    }
}
