package io.cutover.proxy.server.config;

/**
 * A user and its secret on a cluster: the proxy's own (the service identity), a client
 * principal's mapped user, or what a client logged in with (passthrough: a PLAIN password, or an
 * OAUTHBEARER token as {@code password}). For OAUTHBEARER with {@code grant} set, the proxy fetches
 * its tokens itself: {@code username} is then the grant's client id and {@code password} its secret.
 */
public record SaslCredentials(String mechanism, String username, Secret password, ClientCredentialsGrant grant) {
    public SaslCredentials(String mechanism, String username, Secret password) {
        this(mechanism, username, password, null);
    }

    /** OAUTHBEARER with tokens from {@code grant}. */
    public static SaslCredentials bearer(ClientCredentialsGrant grant) {
        return new SaslCredentials("OAUTHBEARER", grant.clientId(), grant.clientSecret(), grant);
    }

    @Override
    public String toString() {
        return grant != null ? mechanism + " as " + grant : mechanism + " as " + username + " (password: " + password + ")";
    }
}
