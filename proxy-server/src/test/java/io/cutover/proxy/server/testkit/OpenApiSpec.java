package io.cutover.proxy.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.admin.OpenApiRoute;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The admin API's openapi.json as the conformance test reads it: operations keyed like
 * {@code AdminRouter.routes()} ("GET /waves/{name}"), their responses with references resolved, and
 * whether an answer conforms to the response the spec documents for its status.
 */
public final class OpenApiSpec {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

    /** One HTTP answer, from whatever client made the call; header names in lower case. */
    public record Answer(int status, String contentType, String body, Map<String, String> headers) {
    }

    private final JsonNode document;
    private final SchemaValidator validator;

    private OpenApiSpec(JsonNode document) {
        this.document = document;
        this.validator = new SchemaValidator(document);
    }

    /** The spec bundled with routing-admin, the same bytes GET /openapi.json serves. */
    public static OpenApiSpec bundled() {
        try {
            return new OpenApiSpec(JSON.readTree(OpenApiRoute.load()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** Every documented operation as "METHOD /template", in document order. */
    public Map<String, JsonNode> operations() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                // A path item also holds "parameters", "summary"...: only HTTP methods are operations.
                if (METHODS.contains(op.getKey())) {
                    out.put(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey(), op.getValue());
                }
            }
        }
        return out;
    }

    /** Operations documented ahead of their implementation ("x-pending": true). */
    public Set<String> pending() {
        Set<String> out = new TreeSet<>();
        operations().forEach((key, op) -> {
            if (op.path("x-pending").asBoolean(false)) {
                out.add(key);
            }
        });
        return out;
    }

    /** Whether the operation needs the bearer token: its own security, else the document's. */
    public boolean needsToken(String operation) {
        JsonNode op = operation(operation);
        JsonNode security = op.has("security") ? op.get("security") : document.path("security");
        return security.isArray() && !security.isEmpty();
    }

    public JsonNode operation(String operation) {
        JsonNode op = operations().get(operation);
        if (op == null) {
            throw new AssertionError(operation + " is not documented in openapi.json");
        }
        return op;
    }

    /** The statuses the operation documents, e.g. [200, 401, 404]. */
    public Set<Integer> statuses(String operation) {
        Set<Integer> out = new TreeSet<>();
        operation(operation).path("responses").fieldNames().forEachRemaining(s -> out.add(Integer.parseInt(s)));
        return out;
    }

    /** The documented response of {@code operation} for {@code status}, references resolved; null when not documented. */
    public JsonNode response(String operation, int status) {
        JsonNode r = operation(operation).path("responses").get(Integer.toString(status));
        return r == null ? null : validator.resolve(r);
    }

    /** A shared response from components.responses (404 and 405 belong to no one operation). */
    public JsonNode componentResponse(String name) {
        JsonNode r = document.path("components").path("responses").get(name);
        if (r == null) {
            throw new AssertionError("components.responses." + name + " is not in openapi.json");
        }
        return r;
    }

    /** Every "$ref" in the document that points nowhere. */
    public List<String> danglingReferences() {
        List<String> out = new ArrayList<>();
        collectDangling(document, out);
        return out;
    }

    private void collectDangling(JsonNode node, List<String> out) {
        if (node.isObject() && node.has("$ref")) {
            String ref = node.get("$ref").asText();
            if (!ref.startsWith("#/") || document.at(ref.substring(1)).isMissingNode()) {
                out.add(ref);
            }
        }
        node.forEach(child -> collectDangling(child, out));
    }

    /**
     * How {@code answer} departs from {@code response}: a required header missing, a media type the
     * response does not list, a body where none is documented, or a JSON body that breaks the schema.
     */
    public List<String> problems(JsonNode response, Answer answer) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonNode> h : response.path("headers").properties()) {
            boolean required = validator.resolve(h.getValue()).path("required").asBoolean(false);
            if (required && !answer.headers().containsKey(h.getKey().toLowerCase(Locale.ROOT))) {
                problems.add("header " + h.getKey() + " is missing");
            }
        }
        JsonNode content = response.get("content");
        if (content == null) {
            if (!answer.body().isEmpty()) {
                problems.add("the spec documents no body, got " + answer.contentType() + ": " + answer.body());
            }
            return problems;
        }
        String media = answer.contentType() == null ? "" : answer.contentType().split(";")[0].trim().toLowerCase(Locale.ROOT);
        JsonNode entry = content.get(media);
        if (entry == null) {
            problems.add("content type " + answer.contentType() + " is not among the documented " + fieldNames(content));
            return problems;
        }
        if (!media.equals("application/json")) {
            if (answer.body().isEmpty()) {
                problems.add("empty " + media + " body");
            }
            return problems;
        }
        JsonNode body;
        try {
            body = JSON.readTree(answer.body());
        } catch (IOException e) {
            problems.add("the body is not JSON: " + answer.body());
            return problems;
        }
        validator.validate(entry.path("schema"), body).forEach(problems::add);
        return problems;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
