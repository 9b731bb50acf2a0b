package io.cutover.proxy.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The proxy's admin HTTP API as {@code ctl} uses it: one request, one {@link Reply}, whatever its
 * status. Only a request that gets no answer at all fails here ({@link CtlFailure#UNREACHABLE});
 * what a 4xx or 5xx means is for the caller to say.
 */
final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A refused or unroutable address fails at once; this only bounds a host that swallows SYNs. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** One answer from the proxy. */
    record Reply(String method, String path, int status, String body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as JSON, or null when it is not JSON (a plain-text scorecard, an HTML page from something else). */
        JsonNode jsonOrNull() {
            try {
                return body.isBlank() ? null : JSON.readTree(body);
            } catch (IOException e) {
                return null;
            }
        }
    }

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    AdminClient(URI base, String token, Duration timeout) {
        this(base, token, timeout, null);
    }

    /** {@code tls}: the CAs to trust for an https:// endpoint; null for the JVM's own. */
    AdminClient(URI base, String token, Duration timeout, javax.net.ssl.SSLContext tls) {
        String b = base.toString();
        // "http://host:9190/" and "http://host:9190" both work; paths are appended to it.
        this.base = URI.create(b.endsWith("/") ? b.substring(0, b.length() - 1) : b);
        this.token = token;
        this.timeout = timeout;
        // HTTP/1.1 as the admin endpoint speaks it; the default would first offer an h2c upgrade.
        HttpClient.Builder http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CONNECT_TIMEOUT);
        if (tls != null) {
            http.sslContext(tls);
        }
        this.http = http.build();
    }

    URI base() {
        return base;
    }

    Reply get(String path) throws CtlFailure {
        return send("GET", path, null);
    }

    /** A POST with {@code body} as JSON, or with no body when it is null. */
    Reply post(String path, JsonNode body) throws CtlFailure {
        return send("POST", path, body);
    }

    private Reply send(String method, String path, JsonNode body) throws CtlFailure {
        URI uri = URI.create(base + path);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
            b.method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return new Reply(method, path, r.statusCode(), r.body());
        } catch (HttpConnectTimeoutException e) {
            throw CtlFailure.unreachable("cannot reach the admin endpoint at " + base + ": no connection within "
                + CONNECT_TIMEOUT.toSeconds() + " s" + where());
        } catch (HttpTimeoutException e) {
            // The request went out: the proxy may still carry it through (a wave switch, say).
            throw CtlFailure.unreachable("no answer from " + base + " to " + method + " " + path + " within " + timeout.toSeconds()
                + " s; the proxy may still complete it, so look before retrying (--timeout waits longer)");
        } catch (ConnectException e) {
            throw CtlFailure.unreachable("cannot reach the admin endpoint at " + base + ": "
                + (e.getMessage() == null ? "connection refused" : e.getMessage()) + where());
        } catch (javax.net.ssl.SSLException e) {
            throw CtlFailure.unreachable("TLS with the admin endpoint at " + base + " failed: " + e.getMessage()
                + (base.getScheme().equals("https") ? "; if its certificate comes from your own CA, pass --ca-file (or set "
                + AdminTrust.CA_ENV + ")" : ""));
        } catch (IOException e) {
            if (base.getScheme().equals("http") && e.getMessage() != null && e.getMessage().contains("header parser received no bytes")) {
                throw CtlFailure.unreachable("the admin endpoint at " + base + " closed the connection without an answer; if it serves "
                    + "HTTPS (admin.tls), use an https:// URL");
            }
            throw CtlFailure.unreachable("lost the connection to the admin endpoint at " + base + " during " + method + " " + path
                + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CtlFailure.unreachable("interrupted while waiting for " + base);
        }
    }

    private static String where() {
        return "; is the proxy running there? (--admin URL or CUTOVER_ADMIN points ctl elsewhere)";
    }
}
