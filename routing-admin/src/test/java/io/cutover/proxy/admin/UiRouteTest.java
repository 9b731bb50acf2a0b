package io.cutover.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UiRouteTest {
    private final AdminRouter router = new AdminRouter(new AdminAuth(Map.of("test", "a-token-for-the-ui-test")));

    UiRouteTest() {
        new UiRoute().register(router);
    }

    private AdminResponse get(String path) {
        return router.dispatch(new AdminRequest("GET", path, Map.of(), Map.of(), Map.of(), new byte[0])).toCompletableFuture().join();
    }

    @Test
    void thePageAndItsAssetsWithTheirTypesAndNoCaching() {
        for (String path : List.of("/ui", "/ui/", "/ui/index.html")) {
            AdminResponse page = get(path);
            assertEquals(200, page.status(), path);
            assertEquals("text/html; charset=utf-8", page.contentType());
            assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains("<script type=\"module\" src=\"/ui/app.js\">"));
        }
        assertEquals("text/javascript; charset=utf-8", get("/ui/app.js").contentType());
        assertEquals("text/css; charset=utf-8", get("/ui/app.css").contentType());
        for (String asset : List.of("/ui", "/ui/app.js", "/ui/app.css")) {
            AdminResponse r = get(asset);
            assertEquals("no-store", r.headers().get("Cache-Control"), asset);
            assertEquals("nosniff", r.headers().get("X-Content-Type-Options"), asset);
            assertTrue(r.headers().get("Content-Security-Policy").contains("connect-src 'self'"), asset);
        }
    }

    @Test
    void anUnknownAssetOrAPathOutOfTheFolderIsNotFound() {
        for (String path : List.of("/ui/nope.js", "/ui/app.java", "/ui/..", "/ui/UiRoute.class", "/ui/.hidden.js")) {
            AdminResponse r = get(path);
            assertEquals(404, r.status(), path);
            assertEquals("application/json", r.contentType(), path);
        }
        // Deeper paths match no route at all, public or not: without a token that is a 401, with one a 404.
        assertEquals(401, get("/ui/io/cutover/proxy/admin/ui/app.js").status());
        assertEquals(404, router.dispatch(new AdminRequest("GET", "/ui/io/cutover/proxy/admin/ui/app.js", Map.of(), Map.of(),
            Map.of("authorization", "Bearer a-token-for-the-ui-test"), new byte[0])).toCompletableFuture().join().status());
    }

    @Test
    void theScriptWritesNoHtmlAndLoadsNothingFromElsewhere() {
        String js = new String(get("/ui/app.js").body(), StandardCharsets.UTF_8);
        String html = new String(get("/ui").body(), StandardCharsets.UTF_8);
        String css = new String(get("/ui/app.css").body(), StandardCharsets.UTF_8);
        // Names of waves, topics and clients reach the page as text only.
        assertTrue(!js.contains("innerHTML") && !js.contains("outerHTML") && !js.contains("insertAdjacentHTML"), "no HTML from data");
        for (String asset : List.of(js, html, css)) {
            // The SVG namespace, which the plots are created in, is a name and not an address anything loads.
            String addresses = asset.replace("'http://www.w3.org/2000/svg'", "");
            assertTrue(!addresses.contains("http://") && !addresses.contains("https://") && !addresses.contains("//cdn"), "nothing from elsewhere");
        }
    }
}
