package io.cutover.proxy.core.wave.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.history.HistorySample;
import io.cutover.proxy.core.history.TrafficHistory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WaveReportRenderingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
    private static final String HOSTILE = "<script>alert('x')</script>";
    private static final List<String> SECTIONS = List.of("definition", "timeline", "gates", "rehearsal", "switches", "clientsMoved", "traffic",
        "promote");
    /** The HTML's section ids: the same, with the clients moved under "clients". */
    private static final List<String> HTML_SECTIONS = SECTIONS.stream().map(x -> x.equals("clientsMoved") ? "clients" : x).toList();

    /** A switch report as WaveSwitcher writes it: steps, what the fence held, each group's offsets per partition. */
    private static ObjectNode switchReport(String direction, Instant startedAt, int groups, int partitions) {
        ObjectNode r = JSON.createObjectNode();
        r.put("direction", direction).put("startedAt", startedAt.toString()).put("preSyncMs", 120.5).put("preCarryMs", 30.2)
            .put("fenceMs", 0.4).put("drainMs", 3.1).put("syncMs", 8.7).put("carryMs", 5.2).put("flipMs", 1.3).put("releaseMs", 0.6)
            .put("persistMs", 0.9).put("writePauseMs", 19.3).put("heldRequests", 12).put("heldBytes", 4096).put("heldConnections", 2)
            .put("outcome", "switched");
        ObjectNode gs = r.putObject("groups");
        for (int g = 0; g < groups; g++) {
            ObjectNode group = gs.putObject(g == 0 ? HOSTILE : "group-" + g);
            ObjectNode parts = group.putObject("partitions");
            for (int p = 0; p < partitions; p++) {
                parts.putObject("orders-" + p).put("committed", 1000 + p).put("carried", 990 + p).put("translationSlack", 2)
                    .put("uncommittedAtSwitch", 1);
            }
            group.put("translationSlack", 2L * partitions).put("uncommittedAtSwitch", partitions).put("maxRedelivery", 3L * partitions);
        }
        return r;
    }

    private static ArrayNode gates() {
        ArrayNode rows = JSON.createArrayNode();
        for (String gate : List.of("topics-on-target", "replication-caught-up", "groups-in-wave", "target-api-versions",
            "no-open-transactions", "clients-in-wave", "compatibility-rehearsal")) {
            ObjectNode row = rows.addObject().put("gate", gate).put("title", "the " + gate + " gate").put("status", "PASS");
            row.putObject("evidence").put("seen", HOSTILE).putArray("problems");
            row.putArray("warnings");
        }
        return rows;
    }

    /** Switched, rolled back, switched again: three switch records, as the state machine allows. */
    private static Wave threeSwitches() {
        ObjectNode rehearsal = JSON.createObjectNode().put("at", T0.plusSeconds(30).toString()).put("capture", "orders-peak.pcapng")
            .put("passed", false);
        rehearsal.putArray("findings").add("Produce v12 to " + HOSTILE + ": UNKNOWN_TOPIC_OR_PARTITION on the target");
        return Wave.planned("orders", List.of("orders", HOSTILE), List.of(HOSTILE, "group-1", "group-2"), ClientSelector.ANY, T0, "alice")
            .withRehearsal(rehearsal)
            .withGates(gates())
            .to(WaveState.READY, T0.plusSeconds(60), "alice", "every gate passed")
            .to(WaveState.SWITCHED, T0.plusSeconds(120), "bob", "switched in 19.3 ms")
            .withSwitch(switchReport("source -> target", T0.plusSeconds(119), 3, 6), Map.of())
            .to(WaveState.ROLLED_BACK, T0.plusSeconds(300), "bob", "rolled back")
            .withSwitch(switchReport("target -> source", T0.plusSeconds(299), 3, 6), Map.of())
            .to(WaveState.READY, T0.plusSeconds(400), "alice", "every gate passed")
            .to(WaveState.SWITCHED, T0.plusSeconds(500), "carol", "switched in 19.3 ms")
            .withSwitch(switchReport("source -> target", T0.plusSeconds(499), 3, 6), Map.of());
    }

    private static ClientRecord.Snapshot client(String clientId, String group) {
        return client(clientId, group, "orders");
    }

    private static ClientRecord.Snapshot client(String clientId, String group, String topic) {
        return new ClientRecord.Snapshot(clientId, "10.1.2.3", "apache-kafka-java", "4.3.1", Set.of("Produce", "Fetch"), Set.of(topic),
            Set.of(topic), group == null ? Set.of() : Set.of(group), Set.of(), true, false, "target", 1, T0, T0.plusSeconds(500), null);
    }

    /** Five-second samples: 100 req/s to the source until the first switch (T0 + 119 s), then 100 req/s to the target. */
    private static TrafficHistory historyFrom(Instant start) {
        TrafficHistory h = new TrafficHistory(TrafficHistory.DEFAULT_CAPACITY, Duration.ofSeconds(5), start);
        for (Instant t = start; t.isBefore(T0.plusSeconds(290)); t = t.plusSeconds(5)) {
            boolean switched = t.isAfter(T0.plusSeconds(119));
            h.append(new HistorySample(t, Map.of("source", switched ? 0.0 : 100.0, "target", switched ? 100.0 : 0.0), Map.of(), Map.of(),
                Map.of(), Map.of()));
        }
        return h;
    }

    @Test
    void everyStringFromOperatorsAndClientsIsEscapedInTheHtml() {
        WaveReport r = WaveReports.build(threeSwitches(), List.of(client(HOSTILE, HOSTILE)), historyFrom(T0), T0.plusSeconds(600));

        String html = WaveReportHtml.render(r);

        assertFalse(html.contains("<script"), "no markup from names or client ids");
        assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "shown as text");
        assertFalse(html.contains("src=") || html.contains("href=") || html.contains("@import"), "nothing loaded from elsewhere");
        assertTrue(html.contains("@media print"), "printable");
        for (String section : HTML_SECTIONS) {
            assertTrue(html.contains("data-section=\"" + section + "\""), section);
        }
    }

    @Test
    void theJsonCarriesEverySectionFromWhatTheWaveRecorded() {
        WaveReport r = WaveReports.build(threeSwitches(), List.of(client("orders-app-1", HOSTILE), client("billing", null, "invoices")),
            historyFrom(T0), T0.plusSeconds(600));

        JsonNode json = WaveReportJson.toJson(r);

        assertEquals(List.of("definition", "timeline", "gates", "rehearsal", "switches", "clientsMoved", "traffic", "promote"),
            fields(json).subList(1, 9), "generatedAt, then the sections in the HTML's order");
        assertEquals("orders", json.at("/definition/name").asText());
        assertEquals(6, json.get("timeline").size(), "created, ready, switched, rolled back, ready, switched");
        assertEquals("bob", json.at("/timeline/3/who").asText());
        assertEquals("ROLLED_BACK", json.at("/timeline/3/to").asText());
        assertEquals(7, json.get("gates").size());
        assertEquals(1, json.at("/rehearsal/findings").size());
        assertEquals(3, json.get("switches").size());
        assertEquals("target -> source", json.at("/switches/1/direction").asText());
        assertEquals(List.of("preSync", "preCarry", "fence", "drain", "sync", "carry", "flip", "release", "persist"),
            fields(json.at("/switches/0/stepsMs")));
        assertEquals(990, json.at("/switches/0/groups/0/partitions/0/carried").asLong());
        assertEquals(18, json.at("/switches/0/groups/0/maxRedelivery").asLong());
        assertEquals(1, json.get("clientsMoved").size(), "billing uses none of the wave's topics or groups... " + json.get("clientsMoved"));
        assertEquals("orders-app-1", json.at("/clientsMoved/0/clients/0/clientId").asText());
        assertFalse(json.at("/promote/promoted").asBoolean());
    }

    @Test
    void trafficBeforeAndAfterEachSwitchComesFromTheHistoryOrSaysThereIsNone() {
        WaveReport r = WaveReports.build(threeSwitches(), List.of(), historyFrom(T0), T0.plusSeconds(600));

        WaveReport.TrafficAround first = r.traffic().get(0);
        assertTrue(first.history());
        assertEquals(100.0, first.requestsPerSecondBefore().get("source"), 0.01);
        assertEquals(0.0, first.requestsPerSecondBefore().get("target"), 0.01);
        assertEquals(100.0, first.requestsPerSecondAfter().get("target"), 0.01);
        assertEquals(0.0, first.requestsPerSecondAfter().get("source"), 0.01);
        assertFalse(r.traffic().get(2).history(), "the last switch is past what the history holds");

        WaveReport restarted = WaveReports.build(threeSwitches(), List.of(), historyFrom(T0.plusSeconds(200)), T0.plusSeconds(600));
        assertFalse(restarted.traffic().get(0).history(), "the proxy restarted after the first switch");
        assertTrue(WaveReportHtml.render(restarted).contains("No history"));
    }

    @Test
    void aRollbackSoonAfterASwitchIsNotAveragedWithTheTrafficFromBeforeThatSwitch() {
        Wave w = Wave.planned("quick", List.of("orders"), List.of(), ClientSelector.ANY, T0, "alice")
            .to(WaveState.READY, T0.plusSeconds(90), "alice", "every gate passed")
            .to(WaveState.SWITCHED, T0.plusSeconds(100), "bob", "switched")
            .withSwitch(switchReport("source -> target", T0.plusSeconds(100), 0, 0), Map.of())
            .to(WaveState.ROLLED_BACK, T0.plusSeconds(110), "bob", "rolled back")
            .withSwitch(switchReport("target -> source", T0.plusSeconds(110), 0, 0), Map.of());
        TrafficHistory h = new TrafficHistory(TrafficHistory.DEFAULT_CAPACITY, Duration.ofSeconds(1), T0);
        for (int t = 0; t < 130; t++) {
            boolean onTarget = t > 100 && t <= 110;
            h.append(new HistorySample(T0.plusSeconds(t), Map.of("source", onTarget ? 0.0 : 100.0, "target", onTarget ? 100.0 : 0.0),
                Map.of(), Map.of(), Map.of(), Map.of()));
        }

        WaveReport.TrafficAround rollback = WaveReports.build(w, List.of(), h, T0.plusSeconds(130)).traffic().get(1);

        assertEquals(100.0, rollback.requestsPerSecondBefore().get("target"), 0.01, "only the ten seconds on the target: " + rollback);
        assertEquals(0.0, rollback.requestsPerSecondBefore().get("source"), 0.01, rollback.toString());
        assertEquals(100.0, rollback.requestsPerSecondAfter().get("source"), 0.01, rollback.toString());
    }

    @Test
    void aReportOfThreeSwitchesWithThreeGroupsOfSixPartitionsStaysSmall() {
        WaveReport r = WaveReports.build(threeSwitches(), List.of(client("orders-app-1", HOSTILE)), historyFrom(T0), T0.plusSeconds(600));

        int html = WaveReportHtml.render(r).getBytes(StandardCharsets.UTF_8).length;
        int json = WaveReportJson.toJson(r).toString().getBytes(StandardCharsets.UTF_8).length;

        System.out.println("WAVE-REPORT three switches, 3 groups x 6 partitions: HTML " + html + " bytes, JSON " + json + " bytes");
        assertTrue(html < 100_000, "HTML " + html + " bytes");
        assertTrue(json < 100_000, "JSON " + json + " bytes");
    }

    @Test
    void aPromotedWaveNamesWhoPromotedItAndWhen() {
        Wave promoted = threeSwitches().to(WaveState.PROMOTED, T0.plusSeconds(900), "dave", "promoted: no return");
        WaveReport.PromoteDecision p = WaveReports.build(promoted, List.of(), null, T0.plusSeconds(901)).promote();
        assertTrue(p.promoted());
        assertEquals("dave", p.who());
        assertEquals(T0.plusSeconds(900), p.at());
    }

    @Test
    void htmlEscapingCoversEveryCharacterThatOpensMarkupOrAnAttribute() {
        assertEquals("&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;", Html.escape("<a href=\"x\" onclick='y'>&"));
        assertEquals("", Html.escape(null));
    }

    private static List<String> fields(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
