package io.cutover.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.capture.CaptureSpec;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.WaveService;
import io.cutover.proxy.core.service.WaveSpec;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.report.WaveReport;
import io.cutover.proxy.core.wave.report.WaveReportHtml;
import io.cutover.proxy.core.wave.report.WaveReportJson;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * /waves: create, list, show, check, switch, rollback, promote, rehearse, scorecard, report. Reads the
 * request into a call on the proxy's {@link WaveService} and its outcome into a status and JSON;
 * the work runs one wave operation at a time, off the admin event loop (a switch waits on the
 * clusters).
 */
public final class WavesApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
        + "form-action 'none'";
    private static final Set<String> CREATE_FIELDS = Set.of("name", "topics", "groups", "clients");

    private final WaveService service;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cutover-waves");
        t.setDaemon(true);
        return t;
    });

    public WavesApi(WaveService service) {
        this.service = service;
    }

    /** The optional body {"force": true|false} of a switch or a rollback; no body is false. */
    private static boolean force(AdminRequest req, String what) {
        if (req.body().length == 0) {
            return false;
        }
        JsonNode body = RoutesApi.parse(req);
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("force")) {
                throw new AdminException(400, "unknown field " + field + "; " + what + " takes force");
            }
        }
        JsonNode f = body.get("force");
        if (f != null && !f.isBoolean()) {
            throw new AdminException(400, "force: must be true or false");
        }
        return f != null && f.asBoolean();
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/waves", auth.require((req, who) -> CompletableFuture.supplyAsync(() -> list(service.list()), worker)));
        router.post("/waves", auth.require((req, who) -> {
            WaveSpec spec = spec(RoutesApi.parse(req));
            return wave(req, who, () -> service.create(spec, who), 201);
        }));
        router.get("/waves/{name}", auth.require((req, who) -> wave(req, who, () -> service.get(req.pathParam("name")), 200)));
        router.post("/waves/{name}/check", auth.require((req, who) -> wave(req, who, () -> service.check(req.pathParam("name"), who), 200)));
        router.post("/waves/{name}/switch", auth.require((req, who) -> {
            boolean forced = force(req, "a switch");
            return wave(req, who, () -> service.switchWave(req.pathParam("name"), forced, who), 200);
        }));
        router.post("/waves/{name}/rollback", auth.require((req, who) -> {
            boolean forced = force(req, "a rollback");
            return wave(req, who, () -> service.rollback(req.pathParam("name"), forced, who), 200);
        }));
        router.post("/waves/{name}/rehearse", auth.require((req, who) -> {
            boolean produce = false;
            String capture = null;
            if (req.body().length > 0) {
                JsonNode body = RoutesApi.parse(req);
                for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
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
                    if (!c.isTextual() || !CaptureSpec.isName(c.asText())) {
                        throw new AdminException(400, "capture: " + c + " is not a capture name; use "
                            + CaptureSpec.NAME_RULE + " (GET /captures lists them)");
                    }
                    capture = c.asText();
                }
            }
            boolean withProduce = produce;
            String fromCapture = capture;
            return report(req, who, () -> service.rehearse(req.pathParam("name"), withProduce, fromCapture, who));
        }));
        router.post("/waves/{name}/promote", auth.require((req, who) -> wave(req, who, () -> service.promote(req.pathParam("name"), who), 200)));
        router.get("/waves/{name}/scorecard", auth.require((req, who) -> {
            String accept = req.header("accept");
            boolean text = "text".equals(req.queryParam("format")) || (accept != null && accept.contains("text/plain"));
            String name = req.pathParam("name");
            if (text) {
                return CompletableFuture.supplyAsync(() -> scorecardText(noted(req, who, service.scorecardText(name))), worker);
            }
            return report(req, who, () -> service.scorecard(name));
        }));
        router.get("/waves/{name}/report", auth.require((req, who) -> {
            boolean json = "json".equals(req.queryParam("format"));
            String name = req.pathParam("name");
            return CompletableFuture.supplyAsync(() -> cutoverReport(noted(req, who, service.report(name)), json), worker);
        }));
    }

    /** The body of POST /waves, read into what the service takes; anything it does not know is refused here. */
    static WaveSpec spec(JsonNode body) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!CREATE_FIELDS.contains(f)) {
                throw new AdminException(400, "unknown field " + f + "; a wave takes " + new TreeSet<>(CREATE_FIELDS));
            }
        }
        try {
            ClientSelector clients = ClientSelector.ANY;
            JsonNode c = body.get("clients");
            if (c != null && !c.isNull()) {
                if (!c.isObject()) {
                    throw new AdminException(400, "clients: must be an object with clientIdPrefix and/or address");
                }
                clients = ClientSelector.of(text(c, "clientIdPrefix"), text(c, "address"));
            }
            return new WaveSpec(text(body, "name"), strings(body, "topics"), strings(body, "groups"), clients);
        } catch (IllegalArgumentException | RouteTableException e) {
            throw new AdminException(400, e.getMessage());
        }
    }

    private CompletionStage<AdminResponse> wave(AdminRequest req, String who, Supplier<Outcome<Wave>> op, int accepted) {
        return CompletableFuture.supplyAsync(() -> respond(noted(req, who, op.get()), accepted, WaveView::json), worker);
    }

    /** Rehearsals and scorecards: reports the service writes whole. */
    private CompletionStage<AdminResponse> report(AdminRequest req, String who, Supplier<Outcome<JsonNode>> op) {
        return CompletableFuture.supplyAsync(() -> respond(noted(req, who, op.get()), 200, Function.identity()), worker);
    }

    private static <T> Outcome<T> noted(AdminRequest req, String who, Outcome<T> outcome) {
        RefusalLog.note(req, who, outcome);
        return outcome;
    }

    private static AdminResponse list(List<Wave> waves) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode all = root.putArray("waves");
        waves.forEach(w -> all.add(WaveView.json(w)));
        return AdminResponse.json(200, root);
    }

    /**
     * A refusal is {"error": reason}, with the gate that refused a switch and the wave as the refusal
     * left it, when there are.
     */
    static <T> AdminResponse respond(Outcome<T> outcome, int accepted, Function<T, JsonNode> render) {
        int status = OutcomeStatus.of(outcome, accepted);
        if (outcome instanceof Outcome.Accepted<T> a) {
            return AdminResponse.json(status, render.apply(a.value()));
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("error", outcome instanceof Outcome.NotFound<T> n ? notFound(n) : OutcomeStatus.reason(outcome));
        if (outcome instanceof Outcome.Conflict<T> c && c.evidence() instanceof GateResult gate) {
            body.set("gate", gate.toJson());
        }
        T current = OutcomeStatus.current(outcome);
        if (current != null) {
            body.set("wave", render.apply(current));
        }
        return AdminResponse.json(status, body);
    }

    /**
     * The cutover report: one self-contained HTML page (its policy allows nothing but its own inline
     * styles), or the same as JSON; a refusal is JSON either way.
     */
    private static AdminResponse cutoverReport(Outcome<WaveReport> outcome, boolean json) {
        if (json || !(outcome instanceof Outcome.Accepted<WaveReport> a)) {
            return respond(outcome, 200, WaveReportJson::toJson);
        }
        return AdminResponse.text(200, "text/html; charset=utf-8", WaveReportHtml.render(a.value()))
            .withHeader("Content-Security-Policy", REPORT_CSP)
            .withHeader("X-Content-Type-Options", "nosniff");
    }

    private static AdminResponse scorecardText(Outcome<String> outcome) {
        if (outcome instanceof Outcome.Accepted<String> a) {
            return AdminResponse.text(200, "text/plain; charset=utf-8", a.value());
        }
        if (outcome instanceof Outcome.NotFound<String> n) {
            return AdminResponse.error(404, OutcomeStatus.reason(n));
        }
        // A scorecard that could not be computed is not a 200, in text as in JSON.
        return AdminResponse.text(OutcomeStatus.of(outcome, 200), "text/plain; charset=utf-8", OutcomeStatus.reason(outcome) + "\n");
    }

    private static String notFound(Outcome.NotFound<?> n) {
        return OutcomeStatus.reason(n) + " (GET /waves lists them)";
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode n, String field) {
        JsonNode v = n.get(field);
        List<String> out = new ArrayList<>();
        if (v == null || v.isNull()) {
            return out;
        }
        if (!v.isArray()) {
            throw new IllegalArgumentException(field + ": must be an array of names");
        }
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isEmpty()) {
                throw new IllegalArgumentException(field + ": must be an array of non-empty names, found " + e);
            }
            if (out.contains(e.asText())) {
                throw new IllegalArgumentException(field + ": " + e.asText() + " is named twice");
            }
            out.add(e.asText());
        }
        return out;
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
