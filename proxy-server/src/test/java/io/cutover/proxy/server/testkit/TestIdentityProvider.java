package io.cutover.proxy.server.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * A small OAuth identity provider on 127.0.0.1 for tests: {@code /token} answers the
 * client-credentials grant (HTTP Basic client authentication, as RFC 6749 asks) with an RS256 JWT
 * whose subject is the client id, and {@code /jwks} serves the key a broker checks it with. It
 * counts the tokens it hands out per client, and refuses a wrong secret the way providers do
 * (401, {@code invalid_client}).
 */
public final class TestIdentityProvider implements AutoCloseable {
    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final String issuer;
    private final String audience;
    private final Map<String, String> clients = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> issued = new ConcurrentHashMap<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    private volatile Duration lifetime;

    private TestIdentityProvider(HttpServer server, RsaJsonWebKey key, String issuer, String audience, Duration lifetime) {
        this.server = server;
        this.key = key;
        this.issuer = issuer;
        this.audience = audience;
        this.lifetime = lifetime;
    }

    /** Starts on a free test port; tokens name {@code issuer} and {@code audience} and live {@code lifetime}. */
    public static TestIdentityProvider start(String issuer, String audience, Duration lifetime) throws IOException, JoseException {
        RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("test-idp-" + System.nanoTime());
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", PortRanges.next()), 0);
        TestIdentityProvider idp = new TestIdentityProvider(server, key, issuer, audience, lifetime);
        server.createContext("/token", idp::token);
        server.createContext("/jwks", idp::jwks);
        server.start();
        return idp;
    }

    /** Lets {@code clientId} have tokens when it presents {@code secret}. */
    public TestIdentityProvider client(String clientId, String secret) {
        clients.put(clientId, secret);
        return this;
    }

    public void lifetime(Duration lifetime) {
        this.lifetime = lifetime;
    }

    public String tokenUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    public String jwksUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    /** How many tokens {@code clientId} got. */
    public int tokensIssued(String clientId) {
        AtomicInteger n = issued.get(clientId);
        return n == null ? 0 : n.get();
    }

    /** The client ids refused so far (wrong secret, unknown client, bad request). */
    public List<String> refusals() {
        return List.copyOf(refusals);
    }

    private void jwks(HttpExchange exchange) throws IOException {
        answer(exchange, 200, new JsonWebKeySet(key).toJson());
    }

    private void token(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, "{\"error\":\"invalid_request\"}");
                return;
            }
            Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            String[] basic = basic(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!"client_credentials".equals(form.get("grant_type"))) {
                refusals.add(basic == null ? "?" : basic[0]);
                answer(exchange, 400, "{\"error\":\"unsupported_grant_type\"}");
                return;
            }
            if (basic == null || !basic[1].equals(clients.get(basic[0]))) {
                refusals.add(basic == null ? "?" : basic[0]);
                answer(exchange, 401, "{\"error\":\"invalid_client\",\"error_description\":\"client authentication failed\"}");
                return;
            }
            long seconds = lifetime.toSeconds();
            String jwt = sign(basic[0], seconds);
            issued.computeIfAbsent(basic[0], k -> new AtomicInteger()).incrementAndGet();
            answer(exchange, 200, "{\"access_token\":\"" + jwt + "\",\"token_type\":\"Bearer\",\"expires_in\":" + seconds + "}");
        } catch (JoseException e) {
            answer(exchange, 500, "{\"error\":\"server_error\"}");
        }
    }

    private String sign(String subject, long seconds) throws JoseException {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience(audience);
        claims.setSubject(subject);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(seconds / 60f);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    /** User and password of an HTTP Basic header, each form-decoded (RFC 6749 2.3.1); null when absent or malformed. */
    private static String[] basic(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return null;
        }
        String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        return new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
            URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new HashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                m.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.getResponseBody().close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
