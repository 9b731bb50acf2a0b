package io.cutover.proxy.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * GET /openapi.json: the admin API's OpenAPI 3.0 description. The document lives next to the code it
 * describes (this module's resources) so it ships inside the jar that serves the API, and a running
 * proxy always answers with the description of its own version.
 */
public final class OpenApiRoute implements AdminRoute {
    /** Where the document is on the class path; the conformance test reads the same file. */
    public static final String RESOURCE = "/io/cutover/proxy/admin/openapi.json";

    private final byte[] spec = load();

    /** The document's bytes. Missing is a packaging bug, so it fails the start rather than a request. */
    public static byte[] load() {
        try (InputStream in = OpenApiRoute.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    @Override
    public CompletionStage<AdminResponse> handle(AdminRequest request) {
        return CompletableFuture.completedFuture(new AdminResponse(200, "application/json", spec, Map.of()));
    }
}
