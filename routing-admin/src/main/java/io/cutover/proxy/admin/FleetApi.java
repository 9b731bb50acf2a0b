package io.cutover.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** GET /fleet: the instances of the fleet as this one sees them (only itself when fleet.enabled is off). */
public final class FleetApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<JsonNode> fleet;

    public FleetApi(Supplier<JsonNode> fleet) {
        this.fleet = fleet;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/fleet", auth.require((req, who) -> CompletableFuture.completedFuture(render())));
    }

    private AdminResponse render() {
        try {
            return new AdminResponse(200, "application/json", JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(fleet.get()), Map.of());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render the fleet", e);
        }
    }
}
