package io.cutover.proxy.server.config;

/** The one identity the proxy authenticates as to a cluster (the "service" identity mode). */
public record SaslCredentials(String mechanism, String username, Secret password) {
    @Override
    public String toString() {
        return mechanism + " as " + username + " (password: " + password + ")";
    }
}
