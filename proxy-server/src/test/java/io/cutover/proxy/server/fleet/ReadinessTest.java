package io.cutover.proxy.server.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutover.proxy.admin.HealthRoute;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Readiness from the listeners, the drain and GET /health's judgement of each cluster. */
class ReadinessTest {
    private static HealthRoute.Health health(String source, String target) {
        Map<String, Object> clusters = new LinkedHashMap<>();
        clusters.put("source", Map.of("status", source, "reachable", source.equals("UP")));
        clusters.put("target", Map.of("status", target, "reachable", target.equals("UP")));
        boolean any = source.equals("UP") || target.equals("UP");
        return new HealthRoute.Health(any, Map.of("status", "whatever /health says", "clusters", clusters));
    }

    private static void expect(boolean ready, String status, HealthRoute.Health h) {
        assertEquals(status, h.details().get("status"));
        assertEquals(ready, h.ready(), status);
    }

    @Test
    void everyClusterReachableIsReady() {
        HealthRoute.Health h = new Readiness(() -> true, () -> false, () -> health("UP", "UP")).check();
        expect(true, "ready", h);
        assertEquals(Map.of("source", "UP", "target", "UP"), h.details().get("clusters"));
    }

    /** One cluster down must not take the other's clients down: the load balancer keeps the proxy. */
    @Test
    void oneClusterDownIsDegradedAndStillReady() {
        expect(true, "degraded", new Readiness(() -> true, () -> false, () -> health("UP", "DOWN")).check());
        expect(true, "degraded", new Readiness(() -> true, () -> false, () -> health("DOWN", "UP")).check());
    }

    @Test
    void noClusterReachableIsDown() {
        expect(false, "down", new Readiness(() -> true, () -> false, () -> health("DOWN", "DOWN")).check());
    }

    @Test
    void drainingWinsOverEverything() {
        expect(false, "draining", new Readiness(() -> false, () -> true, () -> health("UP", "UP")).check());
    }

    @Test
    void listenersNotAcceptingYetIsStarting() {
        expect(false, "starting", new Readiness(() -> false, () -> false, () -> health("UP", "UP")).check());
    }
}
