package io.cutover.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * /waves: create, list, show, check, switch, rollback, promote, scorecard. The work happens in the
 * proxy's {@link WaveService}, one wave operation at a time, off the admin event loop (a switch
 * waits on the clusters).
 */
public final class WavesApi implements AutoCloseable {
    /** What the proxy does for each endpoint. Every result carries its HTTP status and JSON body. */
    public interface WaveService {
        Result list();

        Result get(String name);

        Result create(JsonNode spec, String who);

        Result check(String name, String who);

        Result switchWave(String name, String who);

        Result rollback(String name, boolean force, String who);

        Result promote(String name, String who);

        /** Replays recently captured traffic of the wave's clients against the target (and the source, to compare). */
        Result rehearse(String name, boolean produce, String capture, String who);

        Result scorecard(String name);

        /** The scorecard as a plain-text table, for terminals; null when there is no such wave. */
        String scorecardText(String name);
    }

    public record Result(int status, JsonNode body) {
    }

    private final WaveService service;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cutover-waves");
        t.setDaemon(true);
        return t;
    });

    public WavesApi(WaveService service) {
        this.service = service;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/waves", auth.require((req, who) -> run(service::list)));
        router.post("/waves", auth.require((req, who) -> {
            JsonNode body = RoutesApi.parse(req);
            return run(() -> service.create(body, who));
        }));
        router.get("/waves/{name}", auth.require((req, who) -> run(() -> service.get(req.pathParam("name")))));
        router.post("/waves/{name}/check", auth.require((req, who) -> run(() -> service.check(req.pathParam("name"), who))));
        router.post("/waves/{name}/switch", auth.require((req, who) -> run(() -> service.switchWave(req.pathParam("name"), who))));
        router.post("/waves/{name}/rollback", auth.require((req, who) -> {
            boolean force = false;
            if (req.body().length > 0) {
                JsonNode body = RoutesApi.parse(req);
                for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                    String field = it.next();
                    if (!field.equals("force")) {
                        throw new AdminException(400, "unknown field " + field + "; a rollback takes force");
                    }
                }
                JsonNode f = body.get("force");
                if (f != null && !f.isBoolean()) {
                    throw new AdminException(400, "force: must be true or false");
                }
                force = f != null && f.asBoolean();
            }
            boolean forced = force;
            return run(() -> service.rollback(req.pathParam("name"), forced, who));
        }));
        router.post("/waves/{name}/rehearse", auth.require((req, who) -> {
            boolean produce = false;
            String capture = null;
            if (req.body().length > 0) {
                JsonNode body = RoutesApi.parse(req);
                for (java.util.Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
                    String f = it.next();
                    if (!f.equals("produce") && !f.equals("capture")) {
                        throw new AdminException(400, "unknown field " + f + "; a rehearsal takes produce and capture");
                    }
                }
                JsonNode p = body.get("produce");
                if (p != null && !p.isBoolean()) {
                    throw new AdminException(400, "produce: must be true or false");
                }
                produce = p != null && p.asBoolean();
                JsonNode c = body.get("capture");
                if (c != null && !c.isNull()) {
                    if (!c.isTextual() || !io.cutover.proxy.core.capture.CaptureSpec.isName(c.asText())) {
                        throw new AdminException(400, "capture: " + c + " is not a capture name; use "
                            + io.cutover.proxy.core.capture.CaptureSpec.NAME_RULE + " (GET /captures lists them)");
                    }
                    capture = c.asText();
                }
            }
            boolean withProduce = produce;
            String fromCapture = capture;
            return run(() -> service.rehearse(req.pathParam("name"), withProduce, fromCapture, who));
        }));
        router.post("/waves/{name}/promote", auth.require((req, who) -> run(() -> service.promote(req.pathParam("name"), who))));
        router.get("/waves/{name}/scorecard", auth.require((req, who) -> {
            String accept = req.header("accept");
            boolean text = "text".equals(req.queryParam("format")) || (accept != null && accept.contains("text/plain"));
            String name = req.pathParam("name");
            if (text) {
                return CompletableFuture.supplyAsync(() -> {
                    String table = service.scorecardText(name);
                    if (table == null) {
                        return AdminResponse.error(404, "no wave named " + name);
                    }
                    // A scorecard that could not be computed is not a 200, in text as in JSON.
                    return AdminResponse.text(table.startsWith("cannot compute") ? 503 : 200, "text/plain; charset=utf-8", table);
                }, worker);
            }
            return run(() -> service.scorecard(name));
        }));
    }

    private CompletionStage<AdminResponse> run(java.util.function.Supplier<Result> op) {
        return CompletableFuture.supplyAsync(() -> {
            Result r = op.get();
            return AdminResponse.json(r.status(), r.body());
        }, worker);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
