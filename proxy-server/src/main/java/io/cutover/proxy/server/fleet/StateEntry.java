package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One piece of the fleet's shared state as the state topic holds it: the route table, say. Its
 * version only grows; {@code writer} is the instance that wrote it, {@code offset} where it sits.
 */
public record StateEntry(String entity, long version, String writer, JsonNode body, long offset) {
}
