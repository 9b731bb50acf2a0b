package io.cutover.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.routing.Routes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * GET /routes, PUT /routes (guarded by If-Match on the version) and POST /routes/flip (one rule).
 * Every change is audited with the caller's token name.
 */
public final class RoutesApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Routes routes;
    private final AuditLog audit;
    private final RouteChangeGuard guard;

    /** Lets the proxy refuse or delay a change, e.g. one that would split an open transaction. */
    @FunctionalInterface
    public interface RouteChangeGuard {
        /** Completes when the change may be applied; fails with an {@link AdminException} to refuse it. */
        CompletionStage<Void> admit(RouteTable current, RouteTable next);

        RouteChangeGuard NONE = (current, next) -> CompletableFuture.completedFuture(null);
    }

    /**
     * Names who reads a topic that a change moves to the other cluster (consumer groups with
     * committed offsets, connected fetchers): a plain change carries no offsets, so it is refused
     * for them unless forced.
     */
    @FunctionalInterface
    public interface ReaderCheck {
        CompletionStage<java.util.List<String>> readersOfMovedTopics(RouteTable current, RouteTable next);

        ReaderCheck NONE = (current, next) -> CompletableFuture.completedFuture(java.util.List.of());
    }

    private final ReaderCheck readers;

    public RoutesApi(Routes routes, AuditLog audit, RouteChangeGuard guard) {
        this(routes, audit, guard, ReaderCheck.NONE);
    }

    public RoutesApi(Routes routes, AuditLog audit, RouteChangeGuard guard, ReaderCheck readers) {
        this.routes = routes;
        this.audit = audit;
        this.guard = guard;
        this.readers = readers;
    }

    public void register(AdminRouter router, AdminAuth auth) {
        router.get("/routes", auth.require((req, who) -> get()));
        router.put("/routes", auth.require(this::put));
        router.post("/routes/flip", auth.require(this::flip));
    }

    private CompletionStage<AdminResponse> get() {
        RouteTable t = routes.current();
        return CompletableFuture.completedFuture(withVersion(AdminResponse.json(200, RouteTableJson.toJson(t)), t));
    }

    private CompletionStage<AdminResponse> put(AdminRequest req, String who) {
        String ifMatch = req.header("if-match");
        if (ifMatch == null) {
            throw new AdminException(428, "PUT /routes needs If-Match: <version> (from GET /routes) so that two operators cannot overwrite each other");
        }
        long expected = parseVersion(ifMatch);
        RouteTable current = routes.current();
        RouteTable next;
        try {
            next = RouteTableJson.replacementFromJson(parse(req), current);
            next.validate(routes.clusters());
        } catch (RouteTableException e) {
            throw new AdminException(400, e.getMessage());
        }
        if (current.version() != expected) {
            throw new AdminException(412, "route table is at version " + current.version() + ", not " + expected
                + "; re-read it (GET /routes) and retry");
        }
        return apply(who, "replace-routes", current, next, "true".equals(req.queryParam("force")));
    }

    private CompletionStage<AdminResponse> flip(AdminRequest req, String who) {
        RouteTable current = routes.current();
        RouteTable next;
        JsonNode body = parse(req);
        boolean force = false;
        if (body.has("force")) {
            if (!body.get("force").isBoolean()) {
                throw new AdminException(400, "\"force\" must be true or false");
            }
            force = body.get("force").asBoolean();
            ((ObjectNode) body).remove("force");
        }
        try {
            RouteRule rule = RouteTableJson.ruleFromJson(body);
            next = current.withRule(rule).validate(routes.clusters());
        } catch (RouteTableException e) {
            throw new AdminException(400, e.getMessage());
        }
        String ifMatch = req.header("if-match");
        if (ifMatch != null && parseVersion(ifMatch) != current.version()) {
            throw new AdminException(412, "route table is at version " + current.version() + ", not " + ifMatch);
        }
        return apply(who, "flip", current, next, force);
    }

    private CompletionStage<AdminResponse> apply(String who, String action, RouteTable current, RouteTable next, boolean force) {
        CompletionStage<Void> readersChecked = force ? CompletableFuture.completedFuture(null)
            : readers.readersOfMovedTopics(current, next).thenAccept(found -> {
                if (!found.isEmpty()) {
                    throw new AdminException(409, "refused: this change moves topics that are being read, and a plain route change "
                        + "carries no consumer offsets (their positions would be applied to the other cluster's log, skipping or "
                        + "re-reading records): " + String.join("; ", found) + ". Move readers with a wave (POST /waves), which "
                        + "carries their offsets, or repeat with \"force\": true (PUT: ?force=true) to move them anyway");
                }
            });
        return readersChecked.thenCompose(ignored -> guard.admit(current, next)).thenApply(ignored -> {
            RouteTable applied;
            try {
                applied = routes.replace(current.version(), next);
            } catch (Routes.VersionConflictException e) {
                throw new AdminException(412, e.getMessage());
            }
            audit.record(who, action, RouteTableJson.toJson(current), RouteTableJson.toJson(applied));
            return withVersion(AdminResponse.json(200, RouteTableJson.toJson(applied)), applied);
        });
    }

    private static AdminResponse withVersion(AdminResponse r, RouteTable t) {
        return r.withHeader("ETag", "\"" + t.version() + "\"");
    }

    private static long parseVersion(String header) {
        String v = header.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new AdminException(400, "If-Match must carry the route table version, e.g. If-Match: \"3\"; got " + header);
        }
    }

    static JsonNode parse(AdminRequest req) {
        if (req.body().length == 0) {
            throw new AdminException(400, "the request needs a JSON body");
        }
        try {
            JsonNode n = JSON.readTree(req.body());
            if (n == null || n instanceof ObjectNode == false) {
                throw new AdminException(400, "the body must be a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw new AdminException(400, "malformed JSON at line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new AdminException(400, "unreadable body: " + e.getMessage());
        }
    }
}
