package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.server.wave.FenceBoard;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The fleet's state topic as the board coordinated switches post their fences on. Instances are
 * told apart by their heartbeats ({@link FleetMembership}): one heard from within its lease (two
 * heartbeat intervals) is live and must acknowledge a fence; one not heard from for longer is
 * silent, and a switch waits out its lease (and one more interval) instead.
 */
public final class StateFenceBoard implements FenceBoard {
    private final FleetState state;
    /** An instance holds a switching wave's writes itself once two heartbeats in a row did not reach the board. */
    static final int LEASE_BEATS = 2;
    private final Duration heartbeatInterval;
    private final Duration lease;

    public StateFenceBoard(FleetState state, Duration heartbeatInterval) {
        this.state = state;
        this.heartbeatInterval = heartbeatInterval;
        this.lease = heartbeatInterval.multipliedBy(LEASE_BEATS);
    }

    @Override
    public String self() {
        return state.instanceId();
    }

    @Override
    public void post(String entry, ObjectNode body) {
        state.put(entry, body);
    }

    @Override
    public JsonNode read(String entry) {
        StateEntry e = state.entry(entry);
        return e == null ? null : e.body();
    }

    @Override
    public Map<String, JsonNode> readAll(String prefix) {
        Map<String, JsonNode> out = new TreeMap<>();
        state.entries(prefix).forEach((entity, e) -> out.put(entity, e.body()));
        return out;
    }

    @Override
    public void onPost(String prefix, BiConsumer<String, JsonNode> listener) {
        state.onChangePrefix(prefix, e -> listener.accept(e.entity(), e.body()));
    }

    @Override
    public Map<String, Long> live() {
        return members(true);
    }

    @Override
    public Map<String, Long> silent() {
        return members(false);
    }

    private Map<String, Long> members(boolean live) {
        long now = System.currentTimeMillis();
        Map<String, Long> out = new TreeMap<>();
        state.entries(FleetMembership.PREFIX).forEach((entity, e) -> {
            String id = entity.substring(FleetMembership.PREFIX.length());
            // A heartbeat's version is the wall-clock millisecond it was sent at.
            if (!id.equals(state.instanceId()) && (now - e.version() <= lease.toMillis()) == live) {
                out.put(id, e.version());
            }
        });
        return out;
    }

    @Override
    public Duration lease() {
        return lease;
    }

    @Override
    public long leaseEndsAt(long lastHeartbeatMs) {
        return lastHeartbeatMs + lease.toMillis() + heartbeatInterval.toMillis();
    }
}
