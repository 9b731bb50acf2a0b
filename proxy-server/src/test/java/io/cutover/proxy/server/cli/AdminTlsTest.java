package io.cutover.proxy.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTPS on the admin endpoint (admin.tls): served with the proxy's certificate, plain HTTP refused
 * with a log line, and ctl reaching it when given the CA (--ca-file), with a clear error when not.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminTlsTest {

    @Test
    void theAdminEndpointServesHttpsOnlyAndCtlTrustsTheCaItIsGiven(EmbeddedKafkaCluster cluster) throws Exception {
        TestCertificates pki = TestCertificates.shared();
        TestCertificates.Leaf leaf = pki.leaf("admin-endpoint");
        Map<String, Object> overrides = Map.of("admin.tls.enabled", true, "admin.tls.certificate-file", leaf.certificatePem().toString(),
            "admin.tls.key-file", leaf.keyPem().toString());
        try (LogCapture log = LogCapture.of("io.cutover.proxy.admin");
             RunningProxy proxy = RunningProxy.in(cluster, overrides)) {
            URI admin = proxy.server().adminUri();
            assertEquals("https", admin.getScheme());
            String token = proxy.server().adminTokens().values().iterator().next();

            HttpClient https = HttpClient.newBuilder().sslContext(AdminTrust.fromPem(pki.caPem())).connectTimeout(Duration.ofSeconds(5))
                .build();
            HttpResponse<String> health = https.send(HttpRequest.newBuilder(URI.create(admin + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            HttpResponse<String> routes = https.send(HttpRequest.newBuilder(URI.create(admin + "/routes"))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, routes.statusCode(), routes.body());

            // Plain HTTP to the same port gets no answer, and a log line says why.
            URI plain = URI.create("http://" + admin.getHost() + ":" + admin.getPort() + "/health");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            assertThrows(IOException.class, () -> http.send(HttpRequest.newBuilder(plain).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()));
            Await.until("a log line names the plain-HTTP connection", Duration.ofSeconds(10),
                () -> log.contains("did not speak TLS", "admin.tls"));
            assertEquals(200, https.send(HttpRequest.newBuilder(URI.create(admin + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode(), "still serving HTTPS");

            // ctl: with the CA it works; without it, it says what to do.
            String[] ok = ctl("--admin", admin.toString(), "--token", token, "--ca-file", pki.caPem().toString(), "--json", "routes");
            assertEquals("0", ok[0], ok[1] + ok[2]);
            assertTrue(ok[1].contains("\"version\""), ok[1]);
            String[] untrusted = ctl("--admin", admin.toString(), "--token", token, "routes");
            assertEquals("3", untrusted[0], untrusted[1] + untrusted[2]);
            assertTrue(untrusted[2].contains("--ca-file"), untrusted[2]);
        }
    }

    /** ctl in-process: exit code, stdout, stderr. */
    private static String[] ctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = CtlCommand.run(args, 0, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
            Map.of());
        return new String[] {String.valueOf(code), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }
}
