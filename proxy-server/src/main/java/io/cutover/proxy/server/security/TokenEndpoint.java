package io.cutover.proxy.server.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.config.ClientCredentialsGrant;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;

/**
 * One OAuth 2 client-credentials request (RFC 6749 section 4.4) to an identity provider's token
 * endpoint, and the access token it answers with. The client authenticates with HTTP Basic (section
 * 2.3.1), which every provider accepts; the secret never appears in an error message.
 */
final class TokenEndpoint implements BearerTokens.Fetcher {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An answer bigger than this is not a token response; reading it whole could exhaust the heap. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;

    private final ClientCredentialsGrant grant;
    private final HttpClient http;
    private final Duration timeout;

    TokenEndpoint(ClientCredentialsGrant grant, Duration timeout) throws GeneralSecurityException, IOException {
        this.grant = grant;
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
        if (grant.caFile() != null) {
            b.sslContext(trusting(grant.caFile()));
        }
        this.http = b.build();
    }

    @Override
    public BearerTokens.Token fetch(long nowMs) throws IOException {
        String body = "grant_type=client_credentials" + (grant.scope() == null ? "" : "&scope=" + form(grant.scope()));
        String basic = Base64.getEncoder().encodeToString((form(grant.clientId()) + ":" + form(grant.clientSecret().value()))
            .getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(grant.tokenEndpoint()).timeout(timeout)
            .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
            .header("Authorization", "Basic " + basic).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> answer;
        try {
            answer = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        byte[] bytes;
        try (InputStream in = answer.body()) {
            bytes = in.readNBytes(MAX_ANSWER_BYTES + 1);
        }
        if (bytes.length > MAX_ANSWER_BYTES) {
            throw new IOException("the token endpoint answered more than " + MAX_ANSWER_BYTES + " bytes");
        }
        JsonNode json;
        try {
            json = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException("the token endpoint answered HTTP " + answer.statusCode() + " with no JSON body");
        }
        if (answer.statusCode() != 200) {
            // RFC 6749 5.2: error and error_description say why (invalid_client, unauthorized_client, invalid_scope...).
            throw new IOException("the token endpoint answered HTTP " + answer.statusCode() + " " + json.path("error").asText("")
                + (json.hasNonNull("error_description") ? " (" + json.get("error_description").asText() + ")" : ""));
        }
        return BearerTokens.Token.of(json.path("access_token").asText(null), json.hasNonNull("expires_in")
            ? json.get("expires_in").asLong() : null, nowMs, grant.clientId());
    }

    private static String form(String v) {
        return URLEncoder.encode(v, StandardCharsets.UTF_8);
    }

    /** The JDK's TLS trusting {@code caFile}, read as the cluster's own CA bundles are (the HTTP client takes no other engine). */
    private static SSLContext trusting(java.nio.file.Path caFile) throws GeneralSecurityException, IOException {
        return ((io.netty.handler.ssl.JdkSslContext) SslContexts.client(new TlsEngine(io.netty.handler.ssl.SslProvider.JDK,
            "JDK (token endpoint)"), new io.cutover.proxy.server.config.TrustMaterial.Pem(caFile), null, true)).context();
    }
}
