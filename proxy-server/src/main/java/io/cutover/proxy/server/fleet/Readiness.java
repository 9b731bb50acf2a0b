package io.cutover.proxy.server.fleet;

import io.cutover.proxy.admin.HealthRoute;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * GET /health/ready: whether a load balancer should send this proxy new clients. Ready (200) when
 * the listeners accept, no drain is under way, and every cluster is reachable as GET /health judges
 * it; degraded (still 200) when at least one is: the reachable cluster's clients are served, and
 * pulling the proxy would take them down with the other cluster's. Otherwise 503: starting
 * (listeners not accepting yet), draining, or down (no cluster reachable).
 */
public final class Readiness {
    private final BooleanSupplier listening;
    private final BooleanSupplier draining;
    private final Supplier<HealthRoute.Health> health;

    /** @param health the GET /health report, whose "clusters" map each cluster to details with a "status" of UP or DOWN */
    public Readiness(BooleanSupplier listening, BooleanSupplier draining, Supplier<HealthRoute.Health> health) {
        this.listening = listening;
        this.draining = draining;
        this.health = health;
    }

    public HealthRoute.Health check() {
        Map<String, Object> clusters = new LinkedHashMap<>();
        int up = 0;
        Object reported = health.get().details().get("clusters");
        if (reported instanceof Map<?, ?> byName) {
            for (Map.Entry<?, ?> e : byName.entrySet()) {
                Object status = e.getValue() instanceof Map<?, ?> c ? c.get("status") : null;
                clusters.put(String.valueOf(e.getKey()), status);
                up += "UP".equals(status) ? 1 : 0;
            }
        }
        boolean isListening = listening.getAsBoolean();
        boolean isDraining = draining.getAsBoolean();
        String status;
        if (isDraining) {
            status = "draining";
        } else if (!isListening) {
            status = "starting";
        } else if (up == 0) {
            status = "down";
        } else {
            status = up == clusters.size() ? "ready" : "degraded";
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("listening", isListening);
        body.put("draining", isDraining);
        body.put("clusters", clusters);
        return new HealthRoute.Health(status.equals("ready") || status.equals("degraded"), body);
    }
}
