package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.createReady;
import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * config/grafana/cutover-proxy-dashboard.json queries only metrics a running proxy exports. Many
 * meters are registered on first use (an error code, a cluster's stale clients, a wave's pause), so
 * the proxy is driven through a real wave switch under load, plus a bad frame, before it is scraped.
 */
@ExtendWith(KafkaClusterExtension.class)
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("..", "config", "grafana", "cutover-proxy-dashboard.json").toAbsolutePath().normalize();
    private static final Pattern METRIC = Pattern.compile("\\b(?:cutover_proxy_|jvm_)[a-zA-Z0-9_]+");
    private static final List<String> SUFFIXES = List.of("", "_bucket", "_count", "_sum", "_total");
    /** What the dashboard is for; a panel dropped by mistake shows up here. */
    private static final List<String> REQUIRED = List.of("cutover_proxy_waves", "cutover_proxy_wave_switches_total",
        "cutover_proxy_wave_write_pause_seconds_bucket", "cutover_proxy_cluster_requests_total", "cutover_proxy_errors_total",
        "cutover_proxy_forced_refresh_total", "cutover_proxy_stale_clients", "cutover_proxy_connections_active",
        "cutover_proxy_request_latency_seconds_bucket", "cutover_proxy_capture_frames_total");

    private static JsonNode dashboard() throws IOException {
        return new ObjectMapper().readTree(DASHBOARD.toFile());
    }

    /** Every expression the dashboard sends to Prometheus, by where it is: panel targets and variable queries. */
    static Map<String, String> expressions(JsonNode dashboard) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode panel : panels(dashboard)) {
            for (JsonNode target : panel.path("targets")) {
                out.put("panel \"" + panel.path("title").asText() + "\" " + target.path("refId").asText(), target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                out.put("variable " + variable.path("name").asText(), variable.path("definition").asText());
            }
        }
        return out;
    }

    /** Panels, including those inside collapsed rows. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    static Set<String> metricNames(String expr) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            names.add(m.group());
        }
        return names;
    }

    /** Sample names in a Prometheus text scrape. */
    static Set<String> exported(String scrape) {
        Set<String> names = new HashSet<>();
        for (String line : scrape.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = line.indexOf('{');
            names.add(line.substring(0, end >= 0 ? end : line.indexOf(' ')));
        }
        return names;
    }

    static boolean isExported(String family, Set<String> exported) {
        return SUFFIXES.stream().anyMatch(s -> exported.contains(family + s));
    }

    @Test
    void dashboardIsGrafana10WithAPrometheusDatasourceVariable() throws IOException {
        JsonNode d = dashboard();
        assertTrue(d.path("schemaVersion").asInt() >= 36, "Grafana 10 schema (36+), found " + d.path("schemaVersion"));
        JsonNode ds = null;
        for (JsonNode v : d.path("templating").path("list")) {
            if (v.path("name").asText().equals("DS_PROMETHEUS")) {
                ds = v;
            }
        }
        assertTrue(ds != null && ds.path("type").asText().equals("datasource") && ds.path("query").asText().equals("prometheus"),
            "a datasource variable DS_PROMETHEUS of type prometheus");
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : panels(d)) {
            assertTrue(ids.add(p.path("id").asInt()), "panel id " + p.path("id") + " is used twice");
            assertTrue(p.has("gridPos"), p.path("title") + ": gridPos");
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            assertEquals("${DS_PROMETHEUS}", p.path("datasource").path("uid").asText(), p.path("title") + ": panel datasource");
            assertTrue(p.path("targets").size() > 0, p.path("title") + ": has queries");
            for (JsonNode t : p.path("targets")) {
                assertEquals("${DS_PROMETHEUS}", t.path("datasource").path("uid").asText(), p.path("title") + ": target datasource");
            }
        }
        Map<String, String> exprs = expressions(d);
        exprs.forEach((where, expr) -> {
            assertTrue(balanced(expr), where + ": unbalanced brackets in " + expr);
            assertTrue(!metricNames(expr).isEmpty(), where + ": names no proxy metric: " + expr);
        });
        Set<String> used = new TreeSet<>();
        exprs.values().forEach(e -> used.addAll(metricNames(e)));
        for (String required : REQUIRED) {
            assertTrue(used.contains(required), "the dashboard charts " + required + "; it uses " + used);
        }
    }

    @Test
    void everyMetricTheDashboardQueriesIsExportedByATwoClusterProxyAfterASwitch(EmbeddedKafkaCluster source,
                                                                                @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        Map<String, String> exprs = expressions(dashboard());
        String topic = Clients.unique("dash-orders");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 topic, ".*", Map.of());
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), topic)) {
            // A producer writing across the switch is told to move: forced refreshes and stale clients.
            load.produce("dash-app", 10);
            Await.until("records through the proxy", Duration.ofSeconds(60), () -> load.ackedCount() > 50);
            createReady(proxy, "dash", topic, List.of());
            HttpResponse<String> switched = proxy.send("POST", "/waves/dash/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            assertEquals("SWITCHED", json(switched).get("state").asText());
            int afterSwitch = load.ackedCount();
            Await.until("records on the target", Duration.ofSeconds(60), () -> load.ackedCount() > afterSwitch + 50);
            // An unknown API key: an error the proxy detects (origin="proxy").
            try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                byte[] body = ByteBuffer.allocate(12).putShort((short) 999).putShort((short) 0).putInt(7).putShort((short) -1).array();
                raw.sendBytes(ByteBuffer.allocate(16).putInt(12).put(body).array());
                raw.closedByPeer();
            }

            // Meters appear as they are first used; the last scrape's gaps are the failure message.
            Await.until("every metric the dashboard queries in /metrics", Duration.ofSeconds(30), () -> {
                Set<String> scraped = exported(proxy.get("/metrics").body());
                Set<String> missing = new TreeSet<>();
                exprs.forEach((where, expr) -> metricNames(expr).stream().filter(m -> !isExported(m, scraped))
                    .forEach(m -> missing.add(m + " (" + where + ")")));
                return missing;
            }, Set::isEmpty);
        }
    }

    private static boolean balanced(String expr) {
        Deque<Character> open = new ArrayDeque<>();
        boolean quoted = false;
        for (char c : expr.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && "({[".indexOf(c) >= 0) {
                open.push(c);
            } else if (!quoted && ")}]".indexOf(c) >= 0) {
                if (open.isEmpty() || "({[".indexOf(open.pop()) != ")}]".indexOf(c)) {
                    return false;
                }
            }
        }
        return open.isEmpty() && !quoted;
    }
}
