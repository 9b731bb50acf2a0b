package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.OpenApiSpec;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin token is checked before anything else: every operation openapi.json documents with
 * bearerAuth answers 401 without a token, in single-cluster mode (where some are not served at all,
 * or answer "configure clusters.target") as in routing mode; so do unknown paths and wrong methods.
 * The operations documented as public answer without one.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminTokenFirstTest {
    private static final OpenApiSpec SPEC = OpenApiSpec.bundled();

    private static List<String> refusedWithoutAToken(RunningProxy proxy) {
        List<String> wrong = new ArrayList<>();
        for (String op : SPEC.operations().keySet()) {
            String method = op.substring(0, op.indexOf(' '));
            String path = op.substring(op.indexOf(' ') + 1).replace("{name}", "no-such-thing").replace("{asset}", "app.js");
            HttpResponse<String> r = proxy.sendWithoutToken(method, path);
            if (SPEC.needsToken(op) ? r.statusCode() != 401 : r.statusCode() == 401) {
                wrong.add(op + " -> " + r.statusCode() + " " + r.body());
            }
        }
        for (String[] call : List.of(new String[] {"GET", "/no-such-endpoint"}, new String[] {"DELETE", "/routes"},
            new String[] {"DELETE", "/health"})) {
            HttpResponse<String> r = proxy.sendWithoutToken(call[0], call[1]);
            if (r.statusCode() != 401) {
                wrong.add(call[0] + " " + call[1] + " -> " + r.statusCode() + " " + r.body());
            }
        }
        return wrong;
    }

    @Test
    void singleCluster(EmbeddedKafkaCluster source) {
        try (RunningProxy proxy = RunningProxy.in(source)) {
            assertEquals(List.of(), refusedWithoutAToken(proxy), "answers without a token that are not 401 (or 401 where public)");
            // With the token, /waves says what is missing, as before.
            assertEquals(409, proxy.send("GET", "/waves", null, Map.of()).statusCode());
            assertNotEquals(401, proxy.sendWithoutToken("GET", "/health").statusCode());
        }
    }

    @Test
    void routing(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) {
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            assertEquals(List.of(), refusedWithoutAToken(proxy), "answers without a token that are not 401 (or 401 where public)");
            assertEquals(404, proxy.send("GET", "/no-such-endpoint", null, Map.of()).statusCode(), "with the token, 404 as before");
        }
    }
}
