package io.cutover.proxy.core.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.routing.ClientSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Waves as JSON, for waves.json and the admin API. */
public final class WaveJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WaveJson() {
    }

    public static ObjectNode toJson(Wave w) {
        ObjectNode n = JSON.createObjectNode();
        n.put("name", w.name());
        n.put("state", w.state().name());
        ArrayNode topics = n.putArray("topics");
        w.topics().forEach(topics::add);
        ArrayNode groups = n.putArray("groups");
        w.groups().forEach(groups::add);
        if (!w.clients().isAny()) {
            ObjectNode c = n.putObject("clients");
            if (w.clients().clientIdPrefix() != null) {
                c.put("clientIdPrefix", w.clients().clientIdPrefix());
            }
            if (w.clients().address() != null) {
                c.put("address", w.clients().address().text());
            }
        }
        n.put("createdAt", w.createdAt().toString());
        if (w.lastFailure() != null) {
            n.put("lastFailure", w.lastFailure());
        }
        if (w.gates() != null) {
            n.set("gates", w.gates());
        }
        if (w.lastSwitch() != null) {
            n.set("lastSwitch", w.lastSwitch());
        }
        if (w.rehearsal() != null) {
            n.set("rehearsal", w.rehearsal());
        }
        if (!w.switches().isEmpty()) {
            ArrayNode switches = n.putArray("switches");
            w.switches().forEach(switches::add);
        }
        if (!w.targetEndsAtSwitch().isEmpty()) {
            ObjectNode ends = n.putObject("targetEndsAtSwitch");
            w.targetEndsAtSwitch().forEach(ends::put);
        }
        ArrayNode history = n.putArray("history");
        for (Wave.Transition t : w.history()) {
            ObjectNode h = history.addObject();
            h.put("at", t.at().toString());
            h.put("who", t.who());
            if (t.from() != null) {
                h.put("from", t.from().name());
            }
            h.put("to", t.to().name());
            if (t.reason() != null) {
                h.put("reason", t.reason());
            }
        }
        return n;
    }

    public static Wave fromJson(JsonNode n) {
        List<String> topics = strings(n.get("topics"));
        List<String> groups = strings(n.get("groups"));
        ClientSelector clients = ClientSelector.ANY;
        JsonNode c = n.get("clients");
        if (c != null && c.isObject()) {
            clients = ClientSelector.of(c.hasNonNull("clientIdPrefix") ? c.get("clientIdPrefix").asText() : null,
                c.hasNonNull("address") ? c.get("address").asText() : null);
        }
        Map<String, Long> ends = new LinkedHashMap<>();
        JsonNode e = n.get("targetEndsAtSwitch");
        if (e != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                ends.put(f.getKey(), f.getValue().asLong());
            }
        }
        List<Wave.Transition> history = new ArrayList<>();
        JsonNode h = n.get("history");
        if (h != null) {
            for (JsonNode t : h) {
                history.add(new Wave.Transition(Instant.parse(t.get("at").asText()), t.path("who").asText(),
                    t.hasNonNull("from") ? WaveState.valueOf(t.get("from").asText()) : null, WaveState.valueOf(t.get("to").asText()),
                    t.hasNonNull("reason") ? t.get("reason").asText() : null));
            }
        }
        List<JsonNode> switches = new ArrayList<>();
        n.path("switches").forEach(switches::add);
        if (switches.isEmpty() && n.hasNonNull("lastSwitch")) {
            // waves.json from before switch records were kept: its last switch is the one known
            switches.add(n.get("lastSwitch"));
        }
        return new Wave(n.get("name").asText(), topics, groups, clients, WaveState.valueOf(n.get("state").asText()),
            n.get("gates"), n.get("lastSwitch"), n.hasNonNull("lastFailure") ? n.get("lastFailure").asText() : null, ends, history,
            Instant.parse(n.get("createdAt").asText()), n.get("rehearsal"), switches);
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        if (a != null) {
            a.forEach(x -> out.add(x.asText()));
        }
        return out;
    }
}
