package io.cutover.proxy.admin;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * POST /drain: takes the proxy out of its fleet (the same as SIGTERM). 202 when this request began
 * the drain; 409 when one is already under way, which is left as it is (never restarted, so a
 * retried request cannot stretch a deploy).
 */
public final class DrainApi {
    /** The proxy's side of POST /drain. */
    public interface Drainer {
        /** Begins the drain on behalf of {@code who}; false when one is already under way. */
        boolean begin(String who);

        /** The drain as the answer shows it (status, reason, startedAt, ...). */
        Map<String, Object> status();
    }

    private final Drainer drainer;

    public DrainApi(Drainer drainer) {
        this.drainer = drainer;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.post("/drain", auth.require(this::drain));
    }

    private CompletionStage<AdminResponse> drain(AdminRequest req, String who) {
        if (!drainer.begin(who)) {
            Map<String, Object> now = drainer.status();
            return CompletableFuture.completedFuture(AdminResponse.error(409, "already draining since " + now.get("startedAt")
                + " (" + now.get("reason") + "); the drain goes on as it began"));
        }
        return CompletableFuture.completedFuture(AdminResponse.json(202, drainer.status()));
    }
}
