package io.cutover.proxy.server.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks JSON against the subset of JSON Schema (OpenAPI 3.0 flavour) that the admin API's
 * openapi.json uses: local $ref, type, nullable, required, properties, additionalProperties (false or
 * a schema), items, enum, and format date-time. Written here rather than pulled in as a dependency:
 * the subset is small and the project adds no libraries for tests.
 *
 * <p>A keyword outside the subset is an error, not ignored. Otherwise the spec could grow a
 * constraint (oneOf, minimum, pattern...) that looks enforced by the conformance test and is not.
 */
public final class SchemaValidator {
    private static final Set<String> CHECKED =
        Set.of("$ref", "type", "nullable", "required", "properties", "additionalProperties", "items", "enum", "format");
    /** Keywords that carry documentation only. */
    private static final Set<String> ANNOTATIONS = Set.of("description", "example", "title");

    private final JsonNode document;

    /** @param document the whole OpenAPI document, against which "#/..." references resolve */
    public SchemaValidator(JsonNode document) {
        this.document = document;
    }

    /** Every way {@code value} breaks {@code schema}, each naming where ("$.rules[0].cluster: ..."); empty when it conforms. */
    public List<String> validate(JsonNode schema, JsonNode value) {
        List<String> errors = new ArrayList<>();
        check(schema, value, "$", errors);
        return errors;
    }

    /** The node a local reference ("#/components/schemas/Wave") points at; unknown ones are a spec bug. */
    public JsonNode resolve(JsonNode node) {
        JsonNode ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        if (node.size() != 1) {
            // OpenAPI 3.0 ignores a $ref's siblings; a constraint written there would silently not apply.
            throw new IllegalArgumentException("$ref " + ref.asText() + " has siblings " + fieldNames(node) + ", which OpenAPI 3.0 ignores");
        }
        String pointer = ref.asText();
        if (!pointer.startsWith("#/")) {
            throw new IllegalArgumentException("only local references are supported: " + pointer);
        }
        JsonNode target = document.at(pointer.substring(1));
        if (target.isMissingNode()) {
            throw new IllegalArgumentException("unresolved reference " + pointer);
        }
        return resolve(target);
    }

    private void check(JsonNode schemaOrRef, JsonNode value, String at, List<String> errors) {
        JsonNode schema = resolve(schemaOrRef);
        for (String keyword : fieldNames(schema)) {
            if (!CHECKED.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                throw new IllegalArgumentException("schema keyword \"" + keyword + "\" at " + at + " is not checked by " + getClass().getSimpleName());
            }
        }
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean(false)) {
                errors.add(at + ": null, and the schema is not nullable");
            }
            return;
        }
        if (schema.has("type") && !hasType(value, schema.get("type").asText())) {
            errors.add(at + ": expected " + schema.get("type").asText() + ", found " + describe(value));
            return;
        }
        if (schema.has("enum") && !contains(schema.get("enum"), value)) {
            errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
        }
        if ("date-time".equals(schema.path("format").asText()) && value.isTextual() && !isDateTime(value.asText())) {
            errors.add(at + ": \"" + value.asText() + "\" is not an RFC 3339 date-time");
        }
        if (value.isObject()) {
            checkObject(schema, value, at, errors);
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                check(schema.get("items"), value.get(i), at + "[" + i + "]", errors);
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode value, String at, List<String> errors) {
        for (JsonNode name : schema.path("required")) {
            if (!value.has(name.asText())) {
                errors.add(at + ": required property \"" + name.asText() + "\" is missing");
            }
        }
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.get("additionalProperties");
        for (Map.Entry<String, JsonNode> field : value.properties()) {
            String where = at + "." + field.getKey();
            if (properties.has(field.getKey())) {
                check(properties.get(field.getKey()), field.getValue(), where, errors);
            } else if (additional != null && additional.isBoolean() && !additional.asBoolean()) {
                errors.add(at + ": property \"" + field.getKey() + "\" is not in the schema (additionalProperties is false)");
            } else if (additional != null && additional.isObject()) {
                check(additional, field.getValue(), where, errors);
            }
        }
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalArgumentException("unknown schema type " + type);
        };
    }

    private static boolean contains(JsonNode values, JsonNode value) {
        for (JsonNode v : values) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isDateTime(String text) {
        try {
            OffsetDateTime.parse(text);
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static String describe(JsonNode value) {
        String kind = value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        String text = value.toString();
        return kind + " " + (text.length() > 80 ? text.substring(0, 80) + "..." : text);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
