package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.admin.AdminServer;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.OpenApiSpec;
import io.cutover.proxy.server.testkit.OpenApiSpec.Answer;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * openapi.json against a running two-cluster proxy: the endpoints it serves are exactly the ones the
 * spec documents (bar those marked "x-pending"), and real answers carry a status the spec lists for
 * that operation with a body that validates against the schema documented for that status.
 */
@ExtendWith(KafkaClusterExtension.class)
class OpenApiConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final OpenApiSpec SPEC = OpenApiSpec.bundled();

    private static RunningProxy proxy;
    private static EmbeddedKafkaCluster sourceCluster;
    private static EmbeddedKafkaCluster targetCluster;
    /** Which documented statuses the real calls produced, by operation, to print what is left unexercised. */
    private final Map<String, Set<Integer>> seen = new TreeMap<>();

    @BeforeAll
    static void start(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        sourceCluster = source;
        targetCluster = target;
        // identity: with an empty topic on both sides the gates pass without MirrorMaker, so a wave can
        // go through switch, rollback and promote and their reports get validated too.
        proxy = RunningProxy.routing(source, target, Map.of("waves.mapping", "identity"));
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void theServedEndpointsAreExactlyTheDocumentedOnes() {
        List<String> registered = proxy.server().adminRoutes();
        Set<String> served = new TreeSet<>(registered);
        assertEquals(registered.size(), served.size(), "an endpoint registered twice (the first one wins silently): " + registered);
        Set<String> documented = new TreeSet<>(SPEC.operations().keySet());
        Set<String> pending = SPEC.pending();
        System.out.println("OPENAPI pending (documented, not served yet): " + (pending.isEmpty() ? "none" : pending));

        Set<String> servedButPending = intersection(served, pending);
        assertTrue(servedButPending.isEmpty(), "served now, so remove \"x-pending\": true from openapi.json: " + servedButPending);
        Set<String> undocumented = difference(served, documented);
        assertTrue(undocumented.isEmpty(), "served but not in openapi.json: " + undocumented);
        Set<String> notServed = difference(difference(documented, pending), served);
        assertTrue(notServed.isEmpty(), "in openapi.json but not served (mark them \"x-pending\": true if they are coming): " + notServed);
        assertEquals(List.of(), SPEC.danglingReferences(), "$refs that point nowhere");

        Answer served0 = plain("GET", "/openapi.json");
        assertEquals(200, served0.status());
        assertEquals(SPEC.document(), parse(served0.body()), "GET /openapi.json serves the bundled file");
    }

    /** The token is required exactly where the spec applies bearerAuth, and 401s look as documented. */
    @Test
    void theTokenIsRequiredExactlyWhereTheSpecSaysSo() {
        for (String op : proxy.server().adminRoutes()) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{name}", "no-such-thing").replace("{asset}", "app.js");
            Answer a = plain(method, path);
            if (SPEC.needsToken(op)) {
                assertEquals(401, a.status(), op + " without a token: " + a.body());
                assertTrue(SPEC.statuses(op).contains(401), op + " needs a token, so the spec must list 401");
                conforms(op, a);
            } else {
                assertNotEquals(401, a.status(), op + " is documented without security but refused a call without a token");
                assertTrue(!SPEC.statuses(op).contains(401), op + " needs no token, yet the spec lists 401");
            }
        }
    }

    @Test
    void realAnswersHaveADocumentedStatusAndValidateAgainstItsSchema() throws Exception {
        String topic = Clients.unique("openapi");
        for (EmbeddedKafkaCluster c : List.of(sourceCluster, targetCluster)) {
            try (Admin admin = Clients.admin(c.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
        }
        operations();
        routes();
        waves(topic);
        captures();
        pendingOnesOnceServed(topic);
        printCoverage();
    }

    private void operations() {
        expect(200, "GET /health", plain("GET", "/health"));
        expect(200, "GET /health/live", plain("GET", "/health/live"));
        expect(200, "GET /health/ready", plain("GET", "/health/ready"));
        expect(200, "GET /metrics", plain("GET", "/metrics"));
        expect(200, "GET /openapi.json", plain("GET", "/openapi.json"));
        expect(200, "GET /history", call("GET", "/history", null));
        conformsTo("an unknown path", SPEC.componentResponse("NotFound"), expectStatus(404, call("GET", "/no-such-endpoint", null)));
        conformsTo("a wrong method", SPEC.componentResponse("MethodNotAllowed"), expectStatus(405, call("DELETE", "/routes", null)));
    }

    private void routes() throws IOException {
        Answer table = expect(200, "GET /routes", call("GET", "/routes", null));
        String etag = table.headers().get("etag");
        expect(200, "POST /routes/flip", call("POST", "/routes/flip", "{\"resource\":\"topic\",\"pattern\":\"openapi-flip\",\"cluster\":\"target\"}"));
        expect(400, "POST /routes/flip", call("POST", "/routes/flip", "{\"resource\":\"topc\",\"pattern\":\"t\",\"cluster\":\"target\"}"));
        expect(428, "PUT /routes", call("PUT", "/routes", "{\"rules\":[]}"));
        expect(412, "PUT /routes", call("PUT", "/routes", "{\"rules\":[]}", Map.of("If-Match", etag)));
        String current = call("GET", "/routes", null).headers().get("etag");
        // A GET /routes body sent back as it is: "version" is accepted (and ignored) in a PUT.
        Answer now = call("GET", "/routes", null);
        expect(200, "PUT /routes", call("PUT", "/routes", now.body(), Map.of("If-Match", current)));
        expect(413, "POST /routes/flip", oversized("/routes/flip"));
    }

    private void waves(String topic) {
        expect(200, "GET /waves", call("GET", "/waves", null));
        String body = "{\"name\":\"openapi\",\"topics\":[\"" + topic + "\"],\"clients\":{\"clientIdPrefix\":\"openapi-\"}}";
        expect(201, "POST /waves", call("POST", "/waves", body));
        expect(409, "POST /waves", call("POST", "/waves", body));
        expect(400, "POST /waves", call("POST", "/waves", "{\"name\":\"bad\",\"topics\":[\"t\"],\"colour\":\"red\"}"));
        expect(400, "POST /waves", call("POST", "/waves", "{\"name\":\"bad\""));
        expect(200, "GET /waves/{name}", call("GET", "/waves/openapi", null));
        expect(404, "GET /waves/{name}", call("GET", "/waves/no-such-wave", null));
        expect(409, "POST /waves/{name}/switch", call("POST", "/waves/openapi/switch", null));
        expect(409, "POST /waves/{name}/promote", call("POST", "/waves/openapi/promote", null));
        expect(409, "POST /waves/{name}/rollback", call("POST", "/waves/openapi/rollback", null));
        expect(400, "POST /waves/{name}/rollback", call("POST", "/waves/openapi/rollback", "{\"force\":\"yes\"}"));
        expect(404, "POST /waves/{name}/check", call("POST", "/waves/no-such-wave/check", null));
        expect(404, "GET /waves/{name}/scorecard", call("GET", "/waves/no-such-wave/scorecard", null));
        expect(404, "GET /waves/{name}/scorecard", call("GET", "/waves/no-such-wave/scorecard?format=text", null));
        expect(200, "GET /waves/{name}/scorecard", call("GET", "/waves/openapi/scorecard", null));
        expect(200, "GET /waves/{name}/scorecard", call("GET", "/waves/openapi/scorecard?format=text", null));

        // Through the whole life of a wave, so that gates, switch reports and transitions are validated too.
        assertEquals("READY", state(expect(200, "POST /waves/{name}/check", call("POST", "/waves/openapi/check", null))),
            "an empty topic on both clusters passes every gate under identity mapping");
        assertEquals("SWITCHED", state(expect(200, "POST /waves/{name}/switch", call("POST", "/waves/openapi/switch", null))));
        expect(200, "GET /waves/{name}/scorecard", call("GET", "/waves/openapi/scorecard", null));
        assertEquals("ROLLED_BACK", state(expect(200, "POST /waves/{name}/rollback", call("POST", "/waves/openapi/rollback", "{}"))));
        assertEquals("READY", state(expect(200, "POST /waves/{name}/check", call("POST", "/waves/openapi/check", null))));
        expect(200, "POST /waves/{name}/switch", call("POST", "/waves/openapi/switch", null));
        assertEquals("PROMOTED", state(expect(200, "POST /waves/{name}/promote", call("POST", "/waves/openapi/promote", null))));
        expect(409, "POST /waves/{name}/rollback", call("POST", "/waves/openapi/rollback", "{\"force\":true}"));
        // Its report, with two switches, a rollback and the promotion in it.
        expect(200, "GET /waves/{name}/report", call("GET", "/waves/openapi/report", null));
        expect(200, "GET /waves/{name}/report", call("GET", "/waves/openapi/report?format=json", null));
        expect(404, "GET /waves/{name}/report", call("GET", "/waves/no-such-wave/report", null));
        expect(200, "GET /waves", call("GET", "/waves", null));
    }

    private void captures() {
        expect(201, "POST /captures", call("POST", "/captures",
            "{\"name\":\"openapi\",\"filter\":{\"listeners\":[\"bootstrap\"],\"clientIdPrefix\":\"x-\",\"topics\":[\"t\"]},\"maxBytes\":1048576,\"maxDurationSeconds\":60}"));
        expect(409, "POST /captures", call("POST", "/captures", "{\"name\":\"openapi-2\"}"));
        expect(400, "POST /captures", call("POST", "/captures", "{\"maxBytes\":-1}"));
        expect(200, "GET /captures/{name}", call("GET", "/captures/openapi", null));
        expect(404, "GET /captures/{name}", call("GET", "/captures/no-such-capture", null));
        expect(200, "POST /captures/{name}/stop", call("POST", "/captures/openapi/stop", null));
        expect(200, "POST /captures/{name}/stop", call("POST", "/captures/openapi/stop", null));
        expect(404, "POST /captures/{name}/stop", call("POST", "/captures/no-such-capture/stop", null));
        expect(409, "POST /captures", call("POST", "/captures", "{\"name\":\"openapi\"}"));
        expect(200, "GET /captures", call("GET", "/captures", null));
    }

    /**
     * Endpoints documented ahead of their implementation get the same checks as soon as the server
     * registers them (and the first test has made sure their "x-pending" mark is gone by then).
     */
    private void pendingOnesOnceServed(String topic) {
        Set<String> served = new HashSet<>(proxy.server().adminRoutes());
        if (served.contains("GET /clients")) {
            status("GET /clients", call("GET", "/clients", null));
            status("GET /clients", call("GET", "/clients?format=text", null));
        }
        if (served.contains("GET /ui")) {
            status("GET /ui", plain("GET", "/ui"));
        }
        if (served.contains("POST /waves/{name}/rehearse")) {
            String body = "{\"name\":\"openapi-rehearsal\",\"topics\":[\"" + topic + "-rehearsal\"]}";
            expect(201, "POST /waves", call("POST", "/waves", body));
            status("POST /waves/{name}/rehearse", call("POST", "/waves/openapi-rehearsal/rehearse", "{\"produce\":false}"));
            status("POST /waves/{name}/rehearse", call("POST", "/waves/no-such-wave/rehearse", "{}"));
        }
    }

    private void printCoverage() {
        List<String> unexercised = new ArrayList<>();
        for (String op : SPEC.operations().keySet()) {
            Set<Integer> documented = new TreeSet<>(SPEC.statuses(op));
            documented.removeAll(seen.getOrDefault(op, Set.of()));
            if (!documented.isEmpty()) {
                unexercised.add(op + " " + documented);
            }
        }
        System.out.println("OPENAPI validated answers: " + seen);
        System.out.println("OPENAPI documented statuses no call here produced (401s are covered by the token test): " + unexercised);
    }

    // --- checking one answer --------------------------------------------------------------------

    /** The answer has the status the scenario expects, and that status conforms to the spec. */
    private Answer expect(int status, String operation, Answer a) {
        assertEquals(status, a.status(), () -> operation + ": " + a.body());
        return status(operation, a);
    }

    /** Whatever the status, it is documented for the operation and its body conforms. */
    private Answer status(String operation, Answer a) {
        conforms(operation, a);
        seen.computeIfAbsent(operation, k -> new TreeSet<>()).add(a.status());
        return a;
    }

    private static void conforms(String operation, Answer a) {
        JsonNode response = SPEC.response(operation, a.status());
        if (response == null) {
            fail(operation + " answered " + a.status() + ", which openapi.json does not list (it lists " + SPEC.statuses(operation) + "): "
                + a.body());
        }
        conformsTo(operation + " " + a.status(), response, a);
    }

    private static void conformsTo(String what, JsonNode response, Answer a) {
        List<String> problems = SPEC.problems(response, a);
        assertTrue(problems.isEmpty(), () -> what + " does not match openapi.json:\n  " + String.join("\n  ", problems) + "\nbody: " + a.body());
    }

    private static Answer expectStatus(int status, Answer a) {
        assertEquals(status, a.status(), a.body());
        return a;
    }

    private static String state(Answer a) {
        return parse(a.body()).path("state").asText();
    }

    // --- making calls ---------------------------------------------------------------------------

    private static Answer call(String method, String path, String body) {
        return call(method, path, body, Map.of());
    }

    private static Answer call(String method, String path, String body, Map<String, String> headers) {
        return answer(proxy.send(method, path, body, headers));
    }

    /** A call without a token. */
    private static Answer plain(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(proxy.admin(path)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            return answer(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Answer answer(HttpResponse<String> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
        return new Answer(r.statusCode(), headers.get("content-type"), r.body(), headers);
    }

    /**
     * A request announcing a body over the admin limit. Only the headers are sent: the server answers
     * on seeing Content-Length, and a body it never reads could reset the connection before the
     * answer is read. Java's HttpClient always sends the body, hence a socket.
     */
    private static Answer oversized(String path) throws IOException {
        URI admin = proxy.admin("");
        try (Socket s = new Socket(admin.getHost(), admin.getPort())) {
            s.setSoTimeout(10_000);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + admin.getHost() + "\r\nAuthorization: Bearer "
                + proxy.server().adminTokens().values().iterator().next() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + (AdminServer.MAX_BODY_BYTES + 1) + "\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return readAnswer(s.getInputStream());
        }
    }

    private static Answer readAnswer(InputStream in) throws IOException {
        String statusLine = line(in);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers.get("content-type"), body, headers);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed mid-answer: " + b);
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static Set<String> intersection(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.retainAll(b);
        return out;
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }
}
