package io.cutover.proxy.server.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The conformance test is only as strict as its validator: each keyword it claims to check must reject. */
class SchemaValidatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text.replace('\'', '"'));
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private static final JsonNode DOC = json("""
        {'components': {'schemas': {
          'Thing': {'type': 'object', 'required': ['id', 'kind'], 'additionalProperties': false, 'properties': {
            'id': {'type': 'integer', 'description': 'an annotation, not a constraint'},
            'kind': {'type': 'string', 'enum': ['a', 'b']},
            'at': {'type': 'string', 'format': 'date-time'},
            'note': {'type': 'string', 'nullable': true},
            'tags': {'type': 'array', 'items': {'type': 'string'}},
            'counts': {'type': 'object', 'additionalProperties': {'type': 'number'}},
            'child': {'$ref': '#/components/schemas/Thing'}}},
          'Loose': {'type': 'object'},
          'Odd': {'type': 'string', 'pattern': '^x'},
          'Dangling': {'$ref': '#/components/schemas/Nowhere'}}}}
        """);
    private static final SchemaValidator VALIDATOR = new SchemaValidator(DOC);

    private static List<String> errors(String schema, String value) {
        return VALIDATOR.validate(json("{'$ref': '#/components/schemas/" + schema + "'}"), json(value));
    }

    @Test
    void aConformingValueHasNoErrors() {
        assertEquals(List.of(), errors("Thing", "{'id': 1, 'kind': 'a', 'at': '2025-01-02T03:04:05.123Z', 'note': null, 'tags': ['x'],"
            + " 'counts': {'p': 1.5}, 'child': {'id': 2, 'kind': 'b'}}"));
        assertEquals(List.of(), errors("Loose", "{'anything': [1, {'goes': true}]}"), "no additionalProperties: extra fields are fine");
    }

    @Test
    void eachCheckedKeywordRejectsWithThePath() {
        assertHas(errors("Thing", "{'kind': 'a'}"), "$: required property \"id\" is missing");
        assertHas(errors("Thing", "{'id': '1', 'kind': 'a'}"), "$.id: expected integer");
        assertHas(errors("Thing", "{'id': 1.5, 'kind': 'a'}"), "$.id: expected integer");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'c'}"), "$.kind: \"c\" is not one of");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'a', 'colour': 'red'}"), "property \"colour\" is not in the schema");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'a', 'at': 'yesterday'}"), "$.at: \"yesterday\" is not an RFC 3339 date-time");
        assertHas(errors("Thing", "{'id': 1, 'kind': null}"), "$.kind: null, and the schema is not nullable");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'a', 'tags': ['x', 2]}"), "$.tags[1]: expected string");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'a', 'counts': {'p': 'many'}}"), "$.counts.p: expected number");
        assertHas(errors("Thing", "{'id': 1, 'kind': 'a', 'child': {'id': 2}}"), "$.child: required property \"kind\" is missing");
        assertHas(errors("Thing", "[]"), "$: expected object");
    }

    @Test
    void aKeywordItDoesNotCheckOrAReferenceToNothingIsASpecError() {
        assertThrows(IllegalArgumentException.class, () -> errors("Odd", "'x'"), "pattern would look enforced and not be");
        assertThrows(IllegalArgumentException.class, () -> errors("Dangling", "{}"));
        assertThrows(IllegalArgumentException.class,
            () -> VALIDATOR.validate(json("{'$ref': '#/components/schemas/Loose', 'nullable': true}"), json("{}")),
            "OpenAPI 3.0 ignores a $ref's siblings");
    }

    private static void assertHas(List<String> errors, String fragment) {
        assertTrue(errors.stream().anyMatch(e -> e.contains(fragment)), () -> "expected an error containing <" + fragment + ">, got " + errors);
    }
}
