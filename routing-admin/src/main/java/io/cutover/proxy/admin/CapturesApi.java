package io.cutover.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.capture.Capture;
import io.cutover.proxy.core.capture.CaptureConflictException;
import io.cutover.proxy.core.capture.CaptureFilter;
import io.cutover.proxy.core.capture.CaptureHub;
import io.cutover.proxy.core.capture.CaptureSpec;
import io.cutover.proxy.core.capture.CaptureStatus;
import io.cutover.proxy.core.state.AuditLog;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * POST /captures starts a capture, GET /captures and /captures/{name} show them,
 * POST /captures/{name}/stop ends one. Starts and stops are audited.
 */
public final class CapturesApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("name", "filter", "maxBytes", "maxDurationSeconds");
    private static final Set<String> FILTER_KEYS = Set.of("listeners", "clientIdPrefix", "topics");
    private static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final CaptureHub hub;
    private final AuditLog audit;
    private final long defaultMaxBytes;
    private final Duration defaultMaxDuration;
    private final Clock clock;

    public CapturesApi(CaptureHub hub, AuditLog audit, long defaultMaxBytes, Duration defaultMaxDuration, Clock clock) {
        this.hub = hub;
        this.audit = audit;
        this.defaultMaxBytes = defaultMaxBytes;
        this.defaultMaxDuration = defaultMaxDuration;
        this.clock = clock;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/captures", auth.require((req, who) -> done(AdminResponse.json(200, list()))));
        router.post("/captures", auth.require(this::start));
        router.get("/captures/{name}", auth.require((req, who) -> done(AdminResponse.json(200, one(req.pathParam("name"))))));
        router.post("/captures/{name}/stop", auth.require(this::stop));
    }

    private CompletionStage<AdminResponse> start(AdminRequest req, String who) {
        JsonNode body = req.body().length == 0 ? JSON.createObjectNode() : RoutesApi.parse(req);
        rejectUnknown(body, KEYS, "");
        CaptureSpec spec;
        try {
            String name = body.hasNonNull("name") ? text(body, "name") : "capture-" + NAME_TIME.format(clock.instant());
            CaptureFilter filter = body.has("filter") ? filter(body.get("filter")) : CaptureFilter.ALL;
            long maxBytes = body.has("maxBytes") ? positiveLong(body, "maxBytes") : defaultMaxBytes;
            Duration maxDuration = body.has("maxDurationSeconds")
                ? Duration.ofSeconds(positiveLong(body, "maxDurationSeconds")) : defaultMaxDuration;
            spec = new CaptureSpec(name, filter, maxBytes, maxDuration);
        } catch (IllegalArgumentException e) {
            throw new AdminException(400, e.getMessage());
        }
        Capture c;
        try {
            c = hub.start(spec);
        } catch (CaptureConflictException e) {
            String running = e.runningCapture();
            throw new AdminException(409, running == null ? e.getMessage() : e.getMessage() + " (POST /captures/" + running + "/stop)");
        }
        ObjectNode after = toJson(c.status());
        audit.record(who, "start-capture", null, after);
        return done(AdminResponse.json(201, after).withHeader("Location", "/captures/" + spec.name()));
    }

    private CompletionStage<AdminResponse> stop(AdminRequest req, String who) {
        String name = req.pathParam("name");
        Capture c = hub.stop(name, "stopped by " + who);
        if (c == null) {
            CaptureStatus known = hub.status(name);
            if (known == null) {
                throw new AdminException(404, "no capture named " + name);
            }
            return done(AdminResponse.json(200, toJson(known)));
        }
        // The answer comes once the file is complete, so a caller can read it right away; the wait
        // happens off the admin event loop.
        return CompletableFuture.supplyAsync(() -> {
            try {
                c.awaitFinished(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ObjectNode after = toJson(c.status());
            audit.record(who, "stop-capture", null, after);
            return AdminResponse.json(200, after);
        });
    }

    private ObjectNode list() {
        ObjectNode root = JSON.createObjectNode();
        root.put("directory", hub.directory().toString());
        ArrayNode all = root.putArray("captures");
        hub.list().forEach(s -> all.add(toJson(s)));
        return root;
    }

    private ObjectNode one(String name) {
        CaptureStatus s = hub.status(name);
        if (s == null) {
            throw new AdminException(404, "no capture named " + name + " (GET /captures lists them)");
        }
        return toJson(s);
    }

    static ObjectNode toJson(CaptureStatus s) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", s.name());
        n.put("file", s.file());
        n.put("state", s.state());
        if (s.stopReason() != null) {
            n.put("stopReason", s.stopReason());
        }
        n.put("startedAt", s.startedAt().toString());
        if (s.stoppedAt() != null) {
            n.put("stoppedAt", s.stoppedAt().toString());
        }
        ObjectNode f = n.putObject("filter");
        ArrayNode listeners = f.putArray("listeners");
        s.filter().listeners().forEach(listeners::add);
        if (s.filter().clientIdPrefix() != null) {
            f.put("clientIdPrefix", s.filter().clientIdPrefix());
        }
        ArrayNode topics = f.putArray("topics");
        s.filter().topics().forEach(topics::add);
        n.put("maxBytes", s.maxBytes());
        n.put("maxDurationSeconds", s.maxDurationSeconds());
        n.put("connections", s.connections());
        n.put("framesWritten", s.framesWritten());
        n.put("bytesWritten", s.bytesWritten());
        n.put("framesDropped", s.framesDropped());
        n.put("saslAuthenticateOmitted", s.saslAuthenticateOmitted());
        n.put("bytesDropped", s.bytesDropped());
        return n;
    }

    private static CaptureFilter filter(JsonNode f) {
        if (!f.isObject()) {
            throw new IllegalArgumentException("filter: must be an object with listeners, clientIdPrefix and/or topics");
        }
        rejectUnknown(f, FILTER_KEYS, "filter.");
        return new CaptureFilter(strings(f, "listeners"), f.hasNonNull("clientIdPrefix") ? text(f, "clientIdPrefix") : null,
            strings(f, "topics"));
    }

    private static Set<String> strings(JsonNode parent, String field) {
        Set<String> out = new LinkedHashSet<>();
        JsonNode n = parent.get(field);
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException(field + ": must be an array of strings");
        }
        for (JsonNode e : n) {
            if (!e.isTextual() || e.asText().isEmpty()) {
                throw new IllegalArgumentException(field + ": must be an array of non-empty strings, found " + e);
            }
            out.add(e.asText());
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (!v.isTextual()) {
            throw new IllegalArgumentException(field + ": must be a string, found " + v);
        }
        return v.asText();
    }

    private static long positiveLong(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() <= 0) {
            throw new IllegalArgumentException(field + ": must be a positive whole number, found " + v);
        }
        return v.asLong();
    }

    private static void rejectUnknown(JsonNode n, Set<String> known, String prefix) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                throw new AdminException(400, "unknown field " + prefix + k + "; known fields are " + new java.util.TreeSet<>(known));
            }
        }
    }

    private static CompletionStage<AdminResponse> done(AdminResponse r) {
        return CompletableFuture.completedFuture(r);
    }
}
