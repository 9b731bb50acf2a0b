package io.cutover.proxy.server.config;

import java.net.URI;
import java.nio.file.Path;

/**
 * How the proxy gets OAUTHBEARER tokens for a cluster: the OAuth 2 client-credentials grant at
 * {@code tokenEndpoint}, authenticated as {@code clientId} with {@code clientSecret} (HTTP Basic, as
 * RFC 6749 section 2.3.1 asks). {@code scope} is sent when not null; {@code caFile} (PEM), when not
 * null, is what an https endpoint's certificate is checked against instead of the JVM's default CAs.
 */
public record ClientCredentialsGrant(URI tokenEndpoint, String clientId, Secret clientSecret, String scope, Path caFile) {
    @Override
    public String toString() {
        return "client " + clientId + " at " + tokenEndpoint + " (client secret: " + clientSecret + ")";
    }
}
