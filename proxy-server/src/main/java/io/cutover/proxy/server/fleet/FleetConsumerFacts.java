package io.cutover.proxy.server.fleet;

import io.cutover.proxy.core.inventory.ConsumerFacts;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Shares each instance's consumer facts (who joined a group, who fetched what) through the state
 * topic, as {@code consumers/<instance-id>}, and merges the live instances' facts for the wave gates.
 * Behind a balancer a consumer's JoinGroup may reach one instance and its Fetch another; alone, the
 * second would take it for a consumer without a group and refuse the switch.
 *
 * <p>An instance writes its facts only when they changed, at most once a heartbeat interval, so a
 * quiet fleet adds nothing to the topic. Facts of an instance whose heartbeats stopped are left
 * out: its clients have reconnected elsewhere and are told about by the instance they reached.
 */
public final class FleetConsumerFacts implements AutoCloseable {
    public static final String PREFIX = "consumers/";

    private final FleetState state;
    private final Supplier<ConsumerFacts> local;
    private final Duration interval;
    private final Clock clock;
    private final OwnEntityAnnouncer announcer;

    public FleetConsumerFacts(FleetState state, Supplier<ConsumerFacts> local, Duration interval, Clock clock) {
        this.state = state;
        this.local = local;
        this.interval = interval;
        this.clock = clock;
        this.announcer = new OwnEntityAnnouncer(state, PREFIX, interval, () -> local.get().toJson(), true);
    }

    public void start() {
        announcer.start();
    }

    /** This instance's facts now, with those every other live instance last wrote. */
    public ConsumerFacts fleetWide() {
        ConsumerFacts all = local.get();
        Map<String, StateEntry> members = state.entries(FleetMembership.PREFIX);
        long now = clock.millis();
        for (StateEntry e : state.entries(PREFIX).values()) {
            String instance = e.entity().substring(PREFIX.length());
            StateEntry beat = members.get(FleetMembership.PREFIX + instance);
            boolean live = beat != null && now - beat.version() <= interval.toMillis() * FleetMembership.MISSED_BEATS;
            if (live && !instance.equals(state.instanceId())) {
                all = all.merge(ConsumerFacts.fromJson(instance, e.body()));
            }
        }
        return all;
    }

    @Override
    public void close() {
        announcer.close();
    }
}
