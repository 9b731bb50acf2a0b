package io.cutover.proxy.server.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.cutover.proxy.server.config.ClientCredentialsGrant;
import io.cutover.proxy.server.config.Secret;
import io.cutover.proxy.server.testkit.PortRanges;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client-credentials request as an identity provider sees it, and what the proxy makes of the answers. */
class TokenEndpointTest {
    private static final String SECRET = "s3cret:with&odd=chars";
    private HttpServer server;
    private final AtomicReference<String> authorization = new AtomicReference<>();
    private final AtomicReference<String> body = new AtomicReference<>();
    private final AtomicReference<String> answer = new AtomicReference<>();
    private final AtomicReference<Integer> status = new AtomicReference<>(200);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", PortRanges.next()), 0);
        server.createContext("/token", exchange -> {
            authorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] out = answer.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private TokenEndpoint endpoint(String scope) throws Exception {
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
        return new TokenEndpoint(new ClientCredentialsGrant(url, "cutover proxy", Secret.fromClient(SECRET, "test"), scope, null),
            Duration.ofSeconds(5));
    }

    @Test
    void theClientAuthenticatesWithHttpBasicAndAsksForTheScope() throws Exception {
        answer.set("{\"access_token\":\"opaque-token\",\"token_type\":\"Bearer\",\"expires_in\":300}");
        BearerTokens.Token t = endpoint("kafka write").fetch(1_000_000);
        assertEquals("opaque-token", t.value());
        assertEquals(1_300_000, t.expiresMs());
        assertEquals("grant_type=client_credentials&scope=kafka+write", body.get());
        // RFC 6749 2.3.1: id and secret form-encoded, then joined by a colon and base64-encoded.
        String decoded = new String(Base64.getDecoder().decode(authorization.get().substring("Basic ".length())), StandardCharsets.UTF_8);
        assertEquals("cutover+proxy:s3cret%3Awith%26odd%3Dchars", decoded);
    }

    @Test
    void aRefusalSaysWhatTheProviderSaidAndNeverTheSecret() throws Exception {
        status.set(401);
        answer.set("{\"error\":\"invalid_client\",\"error_description\":\"bad credentials\"}");
        IOException e = assertThrows(IOException.class, () -> endpoint(null).fetch(0));
        assertEquals("the token endpoint answered HTTP 401 invalid_client (bad credentials)", e.getMessage());
        assertEquals("grant_type=client_credentials", body.get(), "no scope asked for when none is set");

        status.set(502);
        answer.set("<html>bad gateway</html>");
        e = assertThrows(IOException.class, () -> endpoint(null).fetch(0));
        assertTrue(e.getMessage().contains("HTTP 502 with no JSON body"), e.getMessage());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void anHttpsEndpointIsTrustedThroughTheCaFileItsCertificateChainsTo() throws Exception {
        var pki = io.cutover.proxy.server.testkit.TestCertificates.shared();
        var leaf = pki.leaf("token-endpoint");
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(leaf.keyStore())) {
            ks.load(in, io.cutover.proxy.server.testkit.TestCertificates.PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, io.cutover.proxy.server.testkit.TestCertificates.PASSWORD.toCharArray());
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress("127.0.0.1",
            PortRanges.next()), 0);
        https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
        https.createContext("/token", exchange -> {
            byte[] out = "{\"access_token\":\"tls-token\",\"expires_in\":60}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        https.start();
        try {
            URI url = URI.create("https://127.0.0.1:" + https.getAddress().getPort() + "/token");
            TokenEndpoint trusting = new TokenEndpoint(new ClientCredentialsGrant(url, "proxy", Secret.fromClient(SECRET, "test"), null,
                pki.caPem()), Duration.ofSeconds(5));
            assertEquals("tls-token", trusting.fetch(0).value());
            // Without the CA file the JVM's default CAs decide, and they do not know the test CA.
            TokenEndpoint defaults = new TokenEndpoint(new ClientCredentialsGrant(url, "proxy", Secret.fromClient(SECRET, "test"), null,
                null), Duration.ofSeconds(5));
            assertThrows(IOException.class, () -> defaults.fetch(0));
        } finally {
            https.stop(0);
        }
    }
}
