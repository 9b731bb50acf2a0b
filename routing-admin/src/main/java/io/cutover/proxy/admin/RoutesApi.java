package io.cutover.proxy.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.RouteTableException;
import io.cutover.proxy.core.routing.RouteTableJson;
import io.cutover.proxy.core.service.Outcome;
import io.cutover.proxy.core.service.RouteService;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * GET /routes, PUT /routes (guarded by If-Match on the version) and POST /routes/flip (one rule):
 * reads the request into a call on the {@link RouteService}, and its outcome into a status, JSON and
 * the table's version as ETag.
 */
public final class RoutesApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How each request forces a change past the readers of the topics it moves. */
    private static final String FORCE_PUT = "?force=true";
    private static final String FORCE_FLIP = "\"force\": true";

    private final RouteService routes;

    public RoutesApi(RouteService routes) {
        this.routes = routes;
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
        JsonNode body = parse(req);
        return routes.replace(live -> RouteTableJson.replacementFromJson(body, live), expected, "true".equals(req.queryParam("force")), who)
            .thenApply(outcome -> {
                RefusalLog.note(req, who, outcome);
                return respond(outcome, null, FORCE_PUT);
            });
    }

    private CompletionStage<AdminResponse> flip(AdminRequest req, String who) {
        JsonNode body = parse(req);
        boolean force = false;
        if (body.has("force")) {
            if (!body.get("force").isBoolean()) {
                throw new AdminException(400, "\"force\" must be true or false");
            }
            force = body.get("force").asBoolean();
            ((ObjectNode) body).remove("force");
        }
        RouteRule rule;
        try {
            rule = RouteTableJson.ruleFromJson(body);
        } catch (RouteTableException e) {
            throw new AdminException(400, e.getMessage());
        }
        String ifMatch = req.header("if-match");
        OptionalLong basedOn;
        try {
            basedOn = ifMatch == null ? OptionalLong.empty() : OptionalLong.of(parseVersion(ifMatch));
        } catch (AdminException unreadable) {
            // A flip names a rule the clusters cannot take before an unreadable If-Match. Based on a
            // version no table has (they start at 0), the service checks the rule, then answers Stale
            // and applies nothing.
            return routes.flip(rule, OptionalLong.of(-1), force, who).thenApply(outcome -> {
                if (outcome instanceof Outcome.Stale) {
                    throw unreadable;
                }
                RefusalLog.note(req, who, outcome);
                return respond(outcome, ifMatch, FORCE_FLIP);
            });
        }
        return routes.flip(rule, basedOn, force, who).thenApply(outcome -> {
            RefusalLog.note(req, who, outcome);
            return respond(outcome, ifMatch, FORCE_FLIP);
        });
    }

    /**
     * @param ifMatch the If-Match a flip was sent with (null for PUT): a flip quotes it back as sent when the table moved on
     * @param force   how this request is forced ({@link #FORCE_PUT}, {@link #FORCE_FLIP}), named with the wave's
     *                endpoint when the service refused to move topics that are being read
     */
    static AdminResponse respond(Outcome<RouteTable> outcome, String ifMatch, String force) {
        if (outcome instanceof Outcome.Accepted<RouteTable> a) {
            return withVersion(AdminResponse.json(200, RouteTableJson.toJson(a.value())), a.value());
        }
        int status = OutcomeStatus.of(outcome, 200);
        if (outcome instanceof Outcome.Stale<RouteTable> s) {
            return AdminResponse.error(status, ifMatch != null
                ? "route table is at version " + s.current() + ", not " + ifMatch
                : "route table is at version " + s.current() + ", not " + s.expected() + "; re-read it (GET /routes) and retry");
        }
        String reason = OutcomeStatus.reason(outcome);
        if (outcome instanceof Outcome.Conflict<RouteTable> c && c.evidence() instanceof RouteService.MovesReaders) {
            reason += ": create a wave with POST /waves, or repeat with " + force;
        }
        return AdminResponse.error(status, reason);
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
