package io.cutover.proxy.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cutover-proxy ctl} run in-process, as the launcher runs it, against a real proxy in front of
 * two real clusters: what it prints, and the exit code a script would branch on.
 */
@ExtendWith(KafkaClusterExtension.class)
class CtlCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One run of the command: exit code, stdout, stderr. */
    private record Run(int code, String out, String err) {
        JsonNode json() {
            try {
                return JSON.readTree(out);
            } catch (IOException e) {
                throw new AssertionError("ctl did not print JSON: " + this, e);
            }
        }

        /** The line of stdout that contains every one of {@code parts}, or fails naming what was printed. */
        String line(String... parts) {
            return out.lines().filter(l -> List.of(parts).stream().allMatch(l::contains)).findFirst()
                .orElseThrow(() -> new AssertionError("no line with " + List.of(parts) + " in:\n" + out + "\nstderr:\n" + err));
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /** {@code cutover-proxy ctl ARGS} through Main, as bin/cutover-proxy runs it. */
    private static Run main(String... args) {
        List<String> all = new ArrayList<>(List.of("ctl"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(all.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code ctl} against {@code proxy}, with its admin URL and token. */
    private static Run ctl(RunningProxy proxy, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--admin", proxy.server().adminUri().toString(),
            "--token", proxy.server().adminTokens().values().iterator().next()));
        return main(all.toArray(String[]::new));
    }

    /** {@code ctl} with the given environment instead of the process's, for the env defaults. */
    private static Run withEnv(Map<String, String> env, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CtlCommand.run(args, 0, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void routesFlipSetsARuleThatTheRoutesTableShows(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        String topic = Clients.unique("ctl-flip");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            Run flipped = ctl(proxy, "routes", "flip", "topic", topic, "target", "--client-id-prefix", "billing-");
            assertEquals(0, flipped.code, flipped::toString);
            assertTrue(flipped.out.contains(topic + " for client.id billing-* -> target"), flipped::toString);

            Run table = ctl(proxy, "routes");
            assertEquals(0, table.code, table::toString);
            assertTrue(table.out.startsWith("route table version "), table::toString);
            String header = table.line("RESOURCE", "MATCH", "PATTERN", "CLIENTS", "CLUSTER");
            String row = table.line(topic);
            assertTrue(row.matches("topic\\s+exact\\s+" + topic + "\\s+client\\.id billing-\\*\\s+target"), row);
            // Aligned: each column starts where its header does.
            assertEquals(header.indexOf("CLUSTER"), row.indexOf("target"), table::toString);
            assertEquals(header.indexOf("PATTERN"), row.indexOf(topic), table::toString);

            JsonNode json = ctl(proxy, "routes", "--json").json();
            assertEquals("target", json.get("rules").get(0).get("cluster").asText());
            assertEquals("billing-", json.get("rules").get(0).get("clients").get("clientIdPrefix").asText());

            // The server's own refusal (an unknown cluster) is exit 1 with its message; a bad --match never leaves ctl.
            Run unknownCluster = ctl(proxy, "routes", "flip", "topic", topic, "elsewhere");
            assertEquals(1, unknownCluster.code, unknownCluster::toString);
            assertTrue(unknownCluster.err.startsWith("cutover-proxy ctl: HTTP 400 Bad Request from POST /routes/flip: "),
                unknownCluster::toString);
            assertTrue(unknownCluster.err.contains("elsewhere"), unknownCluster::toString);
            assertEquals(1, unknownCluster.err.lines().count(), unknownCluster::toString);
            Run badMatch = ctl(proxy, "routes", "flip", "topic", topic, "target", "--match", "glob");
            assertEquals(2, badMatch.code, badMatch::toString);
            assertTrue(badMatch.err.contains("--match takes exact, prefix or regex") && badMatch.err.contains("usage: cutover-proxy ctl routes"),
                badMatch::toString);
        }
    }

    @Test
    void wavesAreCreatedListedShownAndRefusedWithTheServersReason(EmbeddedKafkaCluster source,
                                                                 @Brokers(name = "target") EmbeddedKafkaCluster target) {
        String wave = Clients.unique("ctl-wave");
        String t1 = Clients.unique("ctl-t1");
        String t2 = Clients.unique("ctl-t2");
        String group = Clients.unique("ctl-g");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            Run created = ctl(proxy, "waves", "create", wave, "--topics", t1 + "," + t2, "--groups", group);
            assertEquals(0, created.code, created::toString);
            assertTrue(created.out.startsWith("created wave " + wave + " (PLANNED)"), created::toString);

            Run list = ctl(proxy, "waves");
            assertEquals(0, list.code, list::toString);
            String header = list.line("NAME", "STATE", "TOPICS", "GROUPS", "LAST WRITE PAUSE", "ROLLBACK");
            String row = list.line(wave);
            assertTrue(row.matches(wave + "\\s+PLANNED\\s+" + t1 + ", " + t2 + "\\s+" + group + "\\s+-\\s+no"), row);
            assertEquals(header.indexOf("ROLLBACK"), row.lastIndexOf("no"), list::toString);

            Run shown = ctl(proxy, "waves", "show", wave, "--json");
            assertEquals(0, shown.code, shown::toString);
            JsonNode w = shown.json();
            assertEquals(wave, w.get("name").asText());
            assertEquals("PLANNED", w.get("state").asText());
            assertEquals(List.of(t1, t2), List.of(w.get("topics").get(0).asText(), w.get("topics").get(1).asText()));
            assertFalse(w.get("rollbackAvailable").asBoolean());

            // The topics exist on neither cluster: the check answers (200) with the failing gate in its table.
            Run checked = ctl(proxy, "waves", "check", wave);
            assertEquals(0, checked.code, checked::toString);
            assertTrue(checked.out.startsWith("wave " + wave + " is PLANNED: not ready, failing "), checked::toString);
            assertTrue(checked.line("GATE", "RESULT", "TITLE").startsWith("GATE"), checked::toString);
            assertTrue(checked.out.contains(t1 + " does not exist on the source"), checked::toString);

            Run detail = ctl(proxy, "waves", "show", wave);
            assertEquals(0, detail.code, detail::toString);
            assertTrue(detail.out.startsWith("wave " + wave + "  PLANNED\n"), detail::toString);
            assertTrue(detail.line("topics", t1 + ", " + t2).startsWith("  topics"), detail::toString);
            detail.line("GATE", "RESULT", "TITLE");
            detail.line("AT", "WHO", "FROM", "TO", "REASON");
            // The scorecard is the server's own text, printed as it comes.
            Run card = ctl(proxy, "waves", "scorecard", wave);
            assertEquals(0, card.code, card::toString);
            assertEquals(proxy.send("GET", "/waves/" + wave + "/scorecard?format=text", null, Map.of()).body(), card.out);
            // The cutover report is the server's HTML page as it comes (for "> report.html"); --json gives its JSON.
            Run report = ctl(proxy, "waves", "report", wave);
            assertEquals(0, report.code, report::toString);
            assertTrue(report.out.startsWith("<!doctype html>") && report.out.contains("data-section=\"timeline\""), report::toString);
            Run reportJson = ctl(proxy, "waves", "report", wave, "--json");
            assertEquals(0, reportJson.code, reportJson::toString);
            assertEquals(wave, reportJson.json().at("/definition/name").asText());

            Run switched = ctl(proxy, "waves", "switch", wave);
            assertEquals(1, switched.code, switched::toString);
            assertTrue(switched.err.startsWith("cutover-proxy ctl: HTTP 409 Conflict from POST /waves/" + wave + "/switch: wave " + wave
                + " is PLANNED; only a READY wave switches"), switched::toString);
            assertEquals(1, switched.err.lines().count(), switched::toString);
            assertEquals("", switched.out, "a human run prints the refusal on stderr only");
            // With --json the server's body comes out as is, for a script to read, and the exit code is the same.
            Run switchedJson = ctl(proxy, "waves", "switch", wave, "--json");
            assertEquals(1, switchedJson.code, switchedJson::toString);
            assertEquals("PLANNED", switchedJson.json().get("wave").get("state").asText());

            Run promote = ctl(proxy, "waves", "promote", wave);
            assertEquals(2, promote.code, promote::toString);
            assertTrue(promote.err.contains("point of no return") && promote.err.contains("--yes"), promote::toString);
            // With --yes it is sent, and the server refuses a PLANNED wave.
            Run promoteYes = ctl(proxy, "waves", "promote", wave, "--yes");
            assertEquals(1, promoteYes.code, promoteYes::toString);
            assertTrue(promoteYes.err.contains("only a SWITCHED wave is promoted"), promoteYes::toString);

            Run missing = ctl(proxy, "waves", "show", "no-such-wave");
            assertEquals(1, missing.code, missing::toString);
            assertTrue(missing.err.contains("HTTP 404 Not Found") && missing.err.contains("no wave named no-such-wave"), missing::toString);
            Run noName = ctl(proxy, "waves", "show");
            assertEquals(2, noName.code, noName::toString);
            assertTrue(noName.err.contains("missing NAME") && noName.err.contains("usage: cutover-proxy ctl waves"), noName::toString);
        }
    }

    @Test
    void aTokenTheProxyDoesNotKnowIsUnauthorized(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            Run r = main("routes", "--admin", proxy.server().adminUri().toString(), "--token", "not-the-token-0123456789");
            assertEquals(1, r.code, r::toString);
            assertTrue(r.err.contains("HTTP 401 Unauthorized") && r.err.contains("token from --token"), r::toString);
        }
    }

    @Test
    void anAdminUrlWithNothingListeningIsExit3NamingTheUrl() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        Run r = main("waves", "--admin", url, "--token", "whatever-token-0123456789");
        assertEquals(3, r.code, r::toString);
        assertTrue(r.err.startsWith("cutover-proxy ctl: cannot reach the admin endpoint at " + url), r::toString);
        assertEquals(1, r.err.lines().count(), r::toString);
    }

    @Test
    void aCaptureStartsAndStops(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        String name = Clients.unique("ctl-capture");
        String topic = Clients.unique("ctl-captured");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            Run started = ctl(proxy, "captures", "start", name, "--topics", topic, "--max-seconds", "300");
            assertEquals(0, started.code, started::toString);
            assertTrue(started.out.startsWith("capture " + name + " RUNNING, writing "), started::toString);
            assertTrue(started.out.contains("after 300 s"), started::toString);

            Run list = ctl(proxy, "captures");
            assertEquals(0, list.code, list::toString);
            list.line("NAME", "STATE", "STARTED", "FRAMES", "BYTES", "DROPPED");
            assertTrue(list.line(name).matches(name + "\\s+RUNNING\\s+.*"), list::toString);

            Run again = ctl(proxy, "captures", "start", name);
            assertEquals(1, again.code, again::toString);
            assertTrue(again.err.contains("HTTP 409 Conflict"), again::toString);

            Run stopped = ctl(proxy, "captures", "stop", name);
            assertEquals(0, stopped.code, stopped::toString);
            assertTrue(stopped.out.startsWith("capture " + name + " STOPPED"), stopped::toString);
            assertTrue(stopped.out.contains(name + ".pcapng"), stopped::toString);

            JsonNode captures = ctl(proxy, "captures", "--json").json().get("captures");
            assertEquals(1, captures.size(), captures::toString);
            assertEquals("STOPPED", captures.get(0).get("state").asText());
            assertEquals(topic, captures.get(0).get("filter").get("topics").get(0).asText());
            assertEquals(300, captures.get(0).get("maxDurationSeconds").asLong());

            Run badSeconds = ctl(proxy, "captures", "start", "x", "--max-seconds", "soon");
            assertEquals(2, badSeconds.code, badSeconds::toString);
        }
    }

    @Test
    void anUnknownCommandOrOptionIsAUsageError() {
        Run unknown = main("frobnicate");
        assertEquals(2, unknown.code, unknown::toString);
        assertTrue(unknown.err.startsWith("cutover-proxy ctl: unknown command frobnicate"), unknown::toString);
        assertTrue(unknown.err.contains("usage: cutover-proxy ctl"), unknown::toString);

        Run none = main();
        assertEquals(2, none.code, none::toString);

        Run unknownOption = main("waves", "create", "w", "--topics", "a", "--colour", "blue");
        assertEquals(2, unknownOption.code, unknownOption::toString);
        assertTrue(unknownOption.err.contains("unknown option --colour"), unknownOption::toString);

        Run help = main("waves", "--help");
        assertEquals(0, help.code, help::toString);
        assertTrue(help.out.startsWith("usage: cutover-proxy ctl waves"), help::toString);
        assertTrue(main("--help").out.contains("Exit codes:"));
    }

    /**
     * GET /clients and POST /waves/NAME/rehearse may be newer than the proxy in this tree, and a switch
     * refused by a gate or carried through needs MirrorMaker 2 and a READY wave, so these answers come
     * from a stand-in admin endpoint serving the agreed shapes (and a 404 where it lacks an endpoint).
     * It also checks where the admin URL and token come from: CUTOVER_ADMIN, CUTOVER_TOKEN, --token-file.
     */
    @Test
    void clientsRehearseAndSwitchAnswersAgainstTheAgreedShapes(@TempDir Path dir) throws IOException {
        String clients = """
            {"clients":[{"clientId":"orders-producer","softwareName":"apache-kafka-java","softwareVersion":"4.3.1",
              "addresses":["127.0.0.1"],"apis":["Produce","Metadata"],"produced":["orders"],"fetched":[],"groups":["orders-app"],
              "transactionalIds":[],"idempotent":true,"transactional":false,"cluster":"source",
              "firstSeen":"2026-11-28T17:00:00Z","lastSeen":"2026-11-28T17:05:00Z","connections":2}],"cap":10000,"evicted":3}
            """;
        // As WaveController answers a switch that a gate refused, and one that went through.
        String gateRefusal = """
            {"error":"refused: gate replication-caught-up failed: [\\"orders-0 lags 20000 records\\"]",
             "gate":{"gate":"replication-caught-up","title":"Replication to the target has caught up","status":"FAIL"},
             "wave":{"name":"gated","state":"READY"}}
            """;
        String switched = """
            {"name":"w1","state":"SWITCHED","topics":["orders"],"groups":["orders-app"],"rollbackAvailable":true,
             "lastSwitch":{"direction":"source -> target","writePauseMs":41.26,"heldRequests":12,"outcome":"switched",
                           "groups":{"orders-app":{"maxRedelivery":7}}}}
            """;
        Map<String, String> requests = new ConcurrentHashMap<>();
        HttpServer fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        fake.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.put(exchange.getRequestMethod() + " " + path, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                + " auth=" + exchange.getRequestHeaders().getFirst("Authorization"));
            String body;
            int status;
            if (path.equals("/clients")) {
                status = 200;
                body = clients;
            } else if (path.equals("/waves/w1/rehearse")) {
                status = 200;
                body = "{\"wave\":\"w1\",\"rehearsal\":\"ok\"}\n";
            } else if (path.equals("/waves/gated/switch")) {
                status = 409;
                body = gateRefusal;
            } else if (path.equals("/waves/w1/switch")) {
                status = 200;
                body = switched;
            } else {
                status = 404;
                body = "{\"error\":\"no admin endpoint at " + path + "\"}\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        fake.start();
        try {
            Map<String, String> env = Map.of("CUTOVER_ADMIN", "http://127.0.0.1:" + fake.getAddress().getPort() + "/",
                "CUTOVER_TOKEN", "env-token-0123456789");
            Run table = withEnv(env, "clients");
            assertEquals(0, table.code, table::toString);
            String header = table.line("APPLICATION", "CLIENT ID", "SOFTWARE", "CLUSTER", "APIS", "PRODUCED", "FETCHED", "GROUPS",
                "LAST SEEN");
            String row = table.line("orders-producer");
            // An answer without applications (a proxy older than them) shows "-" for the client's application.
            assertTrue(row.matches("-\\s+orders-producer\\s+apache-kafka-java 4\\.3\\.1\\s+source\\s+2\\s+orders\\s+-\\s+orders-app\\s+"
                + "2026-11-28T17:05:00Z"), row);
            assertEquals(header.indexOf("LAST SEEN"), row.indexOf("2026-11-28T17:05:00Z"), table::toString);
            assertTrue(table.out.contains("1 client; 3 more were forgotten"), table::toString);
            assertTrue(requests.get("GET /clients").endsWith("auth=Bearer env-token-0123456789"), requests::toString);

            // --token-file wins over the environment.
            Path tokenFile = Files.writeString(dir.resolve("token"), "file-token-0123456789\n");
            assertEquals(0, withEnv(env, "clients", "--token-file", tokenFile.toString()).code);
            assertTrue(requests.get("GET /clients").endsWith("auth=Bearer file-token-0123456789"), requests::toString);

            Run rehearsed = withEnv(env, "waves", "rehearse", "w1", "--produce");
            assertEquals(0, rehearsed.code, rehearsed::toString);
            assertEquals("{\"wave\":\"w1\",\"rehearsal\":\"ok\"}\n", rehearsed.out);
            assertTrue(requests.get("POST /waves/w1/rehearse").startsWith("{\"produce\":true}"), requests::toString);

            Run refused = withEnv(env, "waves", "switch", "gated");
            assertEquals(1, refused.code, refused::toString);
            assertTrue(refused.err.contains("HTTP 409 Conflict from POST /waves/gated/switch: refused: gate replication-caught-up failed")
                && refused.err.endsWith("[failing gate: replication-caught-up]\n"), refused::toString);
            Run moved = withEnv(env, "waves", "switch", "w1");
            assertEquals(0, moved.code, moved::toString);
            assertTrue(moved.out.startsWith("wave w1 SWITCHED: source -> target, write pause 41.3 ms, 12 requests held\n"
                + "  group orders-app: offsets carried; at most 7 records may be read again\n"), moved::toString);

            // A proxy without the endpoint: exit 1, and the message says it is the endpoint that is missing.
            Run older = withEnv(env, "waves", "rehearse", "w2");
            assertEquals(1, older.code, older::toString);
            assertTrue(older.err.contains("HTTP 404 Not Found from POST /waves/w2/rehearse") && older.err.contains("does not offer it"),
                older::toString);
        } finally {
            fake.stop(0);
        }
    }
}
