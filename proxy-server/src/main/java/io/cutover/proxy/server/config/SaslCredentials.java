package io.cutover.proxy.server.config;

/**
 * A user and its secret on a cluster: the proxy's own (the service identity), a client
 * principal's mapped user, or what a client logged in with (passthrough: a PLAIN password, or an
 * OAUTHBEARER token as {@code password}).
 */
public record SaslCredentials(String mechanism, String username, Secret password) {
    @Override
    public String toString() {
        return mechanism + " as " + username + " (password: " + password + ")";
    }
}
