package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import org.apache.kafka.common.Uuid;

/**
 * The virtual cluster id of a fleet: one for every instance, made by whichever instance starts
 * first. Clients compare cluster ids across reconnects, so an instance with its own id would look
 * like another cluster to a client that lands on it after a failover.
 */
public final class FleetClusterId {
    public static final String ENTITY = "cluster-id";

    private FleetClusterId() {
    }

    public static String loadOrCreate(FleetState state) {
        StateEntry known = state.entry(ENTITY);
        if (known != null) {
            return known.body().path("id").asText();
        }
        try {
            return state.compareAndSet(ENTITY, 0, JsonNodeFactory.instance.objectNode().put("id", Uuid.randomUuid().toString()))
                .body().path("id").asText();
        } catch (StateConflictException e) {
            // Another instance made it at the same moment: everyone takes the one that was committed.
            StateEntry winner = state.entry(ENTITY);
            if (winner == null) {
                throw new StateUnavailableException("the fleet's cluster id was being written by another instance and cannot be read "
                    + "yet; start again", e);
            }
            return winner.body().path("id").asText();
        }
    }
}
