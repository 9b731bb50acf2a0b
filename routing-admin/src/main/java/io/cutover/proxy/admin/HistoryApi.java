package io.cutover.proxy.admin;

import io.cutover.proxy.core.history.HistoryJson;
import io.cutover.proxy.core.history.TrafficHistory;
import java.util.concurrent.CompletableFuture;

/** GET /history: the proxy's recent measurements (the status page's plots), oldest sample first. */
public final class HistoryApi {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final TrafficHistory history;

    public HistoryApi(TrafficHistory history) {
        this.history = history;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/history", auth.require((req, who) -> CompletableFuture.completedFuture(compact())));
    }

    /** Not indented: an hour of samples is polled every few seconds. */
    private AdminResponse compact() {
        try {
            return new AdminResponse(200, "application/json", JSON.writeValueAsBytes(HistoryJson.toJson(history)), java.util.Map.of());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot render the history", e);
        }
    }
}
