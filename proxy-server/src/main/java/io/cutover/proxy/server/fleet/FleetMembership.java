package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Each instance announces itself in the state topic every heartbeat interval (its id, address,
 * version, state, the route-table version it serves, how far behind the state topic it is, its
 * connections) and reads the others' announcements from the same topic. An instance whose last
 * heartbeat is older than three intervals is not live. A clean stop removes the announcement.
 */
public final class FleetMembership implements AutoCloseable {
    public static final String PREFIX = "member/";
    static final int MISSED_BEATS = 3;

    private final FleetState state;
    private final Duration interval;
    private final Supplier<ObjectNode> self;
    private final Clock clock;
    private final OwnEntityAnnouncer heartbeat;

    /** {@code self} describes this instance now (state, routesVersion, connections, ...); called on the heartbeat thread. */
    public FleetMembership(FleetState state, Duration interval, Supplier<ObjectNode> self, Clock clock) {
        this.state = state;
        this.interval = interval;
        this.self = self;
        this.clock = clock;
        // The others see this instance go quiet when the state cluster is down, which is the truth.
        this.heartbeat = new OwnEntityAnnouncer(state, PREFIX, interval, this::describe, false);
    }

    public void start() {
        heartbeat.start();
    }

    private JsonNode describe() {
        ObjectNode body = self.get();
        body.put("id", state.instanceId());
        body.put("stateLagRecords", state.lag());
        return body;
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
        heartbeat.close();
    }
}
