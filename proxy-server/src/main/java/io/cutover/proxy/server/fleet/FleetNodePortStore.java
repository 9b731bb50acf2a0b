package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.node.NodePortStore;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Node ports shared by a fleet: a client that reconnects to another instance after a failover
 * keeps the metadata it has, so broker 2 of the source must be behind the same port everywhere.
 * Ports are reserved in the state topic before they are bound; the first instance to see a broker
 * picks its port, the others take it.
 */
public final class FleetNodePortStore implements NodePortStore {
    public static final String ENTITY = "node-ports";
    private static final int ATTEMPTS = 10;

    private final FleetState state;
    private final int first;
    private final int last;

    public FleetNodePortStore(FleetState state, int first, int last) {
        this.state = state;
        this.first = first;
        this.last = last;
    }

    @Override
    public Map<Integer, Integer> load() {
        StateEntry e = state.entry(ENTITY);
        return e == null ? Map.of() : ports(e.body());
    }

    /** Reservations are saved as they are made; what the registry drops locally stays reserved for the others. */
    @Override
    public void save(Map<Integer, Integer> portsByVirtualId) {
    }

    @Override
    public Integer reserve(int virtualId, IntPredicate usable) {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            StateEntry e = state.entry(ENTITY);
            Map<Integer, Integer> fleet = e == null ? new TreeMap<>() : new TreeMap<>(ports(e.body()));
            Integer known = fleet.get(virtualId);
            if (known != null) {
                return known;
            }
            Integer free = null;
            for (int p = first; p <= last && free == null; p++) {
                if (usable.test(p) && !fleet.containsValue(p)) {
                    free = p;
                }
            }
            if (free == null) {
                return null;
            }
            fleet.put(virtualId, free);
            try {
                state.compareAndSet(ENTITY, e == null ? 0 : e.version(), json(fleet));
                return free;
            } catch (StateConflictException conflict) {
                // Another instance reserved a port meanwhile, maybe for this very broker: look again.
            }
        }
        throw new StateUnavailableException("could not reserve a port for virtual node " + virtualId + " in the fleet state after "
            + ATTEMPTS + " attempts (other instances kept writing)", null);
    }

    private static Map<Integer, Integer> ports(JsonNode body) {
        Map<Integer, Integer> out = new TreeMap<>();
        body.path("ports").fields().forEachRemaining(f -> out.put(Integer.parseInt(f.getKey()), f.getValue().asInt()));
        return out;
    }

    private static JsonNode json(Map<Integer, Integer> ports) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode p = root.putObject("ports");
        ports.forEach((id, port) -> p.put(Integer.toString(id), port));
        return root;
    }
}
