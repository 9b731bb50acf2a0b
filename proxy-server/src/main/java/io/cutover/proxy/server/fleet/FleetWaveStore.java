package io.cutover.proxy.server.fleet;

import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveJson;
import io.cutover.proxy.core.wave.WaveStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;

/**
 * The waves in the fleet's state topic, one entity per wave ({@code wave/<name>}), so any instance
 * lists, checks, switches or rolls back any wave. Each save is a compare-and-set on the version
 * this instance last saw of that wave: a transition decided on a stale copy (another instance
 * switched the wave meanwhile) is refused, never written over the newer one.
 */
public final class FleetWaveStore implements WaveStore {
    public static final String PREFIX = "wave/";

    private final FleetState state;
    /** The version of each wave this instance's copy is at; moved only under the wave controller's lock. */
    private final Map<String, Long> seen = new ConcurrentHashMap<>();

    public FleetWaveStore(FleetState state) {
        this.state = state;
    }

    @Override
    public List<Wave> load() {
        List<Wave> out = new ArrayList<>();
        state.entries(PREFIX).forEach((entity, e) -> {
            out.add(WaveJson.fromJson(e.body()));
            seen.put(entity, e.version());
        });
        return out;
    }

    @Override
    public void save(Wave changed, List<Wave> all) {
        String entity = PREFIX + changed.name();
        long expected = seen.getOrDefault(entity, 0L);
        try {
            StateEntry written = state.compareAndSet(entity, expected, WaveJson.toJson(changed));
            seen.put(entity, written.version());
        } catch (StateConflictException e) {
            throw new StaleWaveException("wave " + changed.name() + " was changed through another instance of the fleet meanwhile"
                + " (version " + e.currentVersion() + ", this instance had " + expected + "); look at it again and retry");
        } catch (StateUnavailableException e) {
            throw new io.cutover.proxy.core.routing.Routes.StoreUnavailableException(e.getMessage(), e);
        }
    }

    /**
     * Hands every wave version read from the topic to {@code adopt}, with a test-and-record that is
     * true only for a version newer than this instance's copy. {@code adopt} calls it under the same
     * lock as its saves, so its own writes read back are not taken twice, and a save never compares
     * against a version its copy has not caught up with.
     */
    public void follow(BiConsumer<Wave, BooleanSupplier> adopt) {
        state.onChangePrefix(PREFIX, e -> adopt.accept(WaveJson.fromJson(e.body()), () -> {
            if (e.version() <= seen.getOrDefault(e.entity(), 0L)) {
                return false; // this instance's own write, or one it has taken already
            }
            seen.put(e.entity(), e.version());
            return true;
        }));
    }
}
