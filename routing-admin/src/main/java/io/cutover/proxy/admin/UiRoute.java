package io.cutover.proxy.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * GET /ui and /ui/{asset}: the status page, from classpath resources. The page holds no data, so it
 * is served without a token; every call it makes for data carries the operator's token like any
 * other API client.
 */
public final class UiRoute {
    private static final String BASE = "/io/cutover/proxy/admin/ui/";
    /** A flat name with a known extension: nothing else on the classpath can be reached through /ui. */
    private static final Pattern ASSET = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}\\.(html|js|css|svg|png)");
    private static final Map<String, String> TYPES = Map.of(
        "html", "text/html; charset=utf-8",
        "js", "text/javascript; charset=utf-8",
        "css", "text/css; charset=utf-8",
        "svg", "image/svg+xml",
        "png", "image/png");
    /**
     * The page may talk to this endpoint only: nothing loaded from elsewhere, no inline script (so
     * an injected string in a wave or client name cannot run), and no framing (no clickjacking of
     * the Switch and Promote buttons).
     */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> loaded = new ConcurrentHashMap<>();

    public void register(AdminRouter router) {
        router.publicGet("/ui", req -> serve("index.html"));
        router.publicGet("/ui/{asset}", req -> serve(req.pathParam("asset")));
    }

    private CompletionStage<AdminResponse> serve(String name) {
        byte[] body = ASSET.matcher(name).matches() ? loaded.computeIfAbsent(name, UiRoute::read) : null;
        if (body == null) {
            return CompletableFuture.completedFuture(AdminResponse.error(404, "no status page asset named " + name));
        }
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        // Caching off: the page and its script change together with the proxy, and a stale app.js
        // against a newer API is worse than a few kilobytes fetched again.
        return CompletableFuture.completedFuture(new AdminResponse(200, type, body, Map.of(
            "Cache-Control", "no-store",
            "X-Content-Type-Options", "nosniff",
            "Referrer-Policy", "no-referrer",
            "Content-Security-Policy", CSP)));
    }

    private static byte[] read(String name) {
        try (InputStream in = UiRoute.class.getResourceAsStream(BASE + name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read status page asset " + name, e);
        }
    }
}
