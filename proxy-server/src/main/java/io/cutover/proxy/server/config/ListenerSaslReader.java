package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import io.cutover.proxy.server.security.JwksKeys;
import io.cutover.proxy.server.security.JwtLogins;
import io.cutover.proxy.server.security.ListenerSasl;
import io.cutover.proxy.server.security.SaslUsers;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code listener.sasl}: SASL terminated at the proxy's listeners. */
final class ListenerSaslReader {
    private static final String BASE = "listener.sasl";
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-512", "SCRAM-SHA-256", ListenerSasl.PLAIN, ListenerSasl.OAUTHBEARER);

    private ListenerSaslReader() {
    }

    private static JwtLogins jwt(Config root) {
        String jwks = root.getString(BASE + ".oauthbearer.jwks-file").trim();
        String url = root.getString(BASE + ".oauthbearer.jwks-url").trim();
        String issuer = root.getString(BASE + ".oauthbearer.issuer").trim();
        String audience = root.getString(BASE + ".oauthbearer.audience").trim();
        if (jwks.isEmpty() == url.isEmpty() || issuer.isEmpty() || audience.isEmpty()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer") + ": OAUTHBEARER needs jwks-file or jwks-url (one of "
                + "them), issuer and audience (the keys tokens are signed with, who issues them, and for whom)");
        }
        java.time.Duration refresh = root.getDuration(BASE + ".oauthbearer.jwks-refresh");
        if (refresh.isNegative()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer.jwks-refresh") + " must not be negative, was " + refresh);
        }
        if (!url.isEmpty()) {
            java.net.URI uri;
            try {
                uri = java.net.URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer.jwks-url") + ": not a URL: " + url, e);
            }
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer.jwks-url") + ": an http or https URL, was " + url);
            }
            try {
                return JwtLogins.create(JwksKeys.url(uri, refresh, java.time.Duration.ofSeconds(10)), issuer, audience);
            } catch (IOException | RuntimeException e) {
                throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer.jwks-url") + ": cannot read the JWKS: " + e.getMessage(), e);
            }
        }
        try {
            return JwtLogins.create(JwksKeys.file(Path.of(jwks), refresh), issuer, audience);
        } catch (IOException | RuntimeException e) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".oauthbearer.jwks-file") + ": " + e.getMessage(), e);
        }
    }

    private static java.time.Duration lifetime(Config root) {
        java.time.Duration d = root.getDuration(BASE + ".session-lifetime");
        if (d.isNegative()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".session-lifetime") + " must not be negative, was " + d);
        }
        return d;
    }

    /**
     * The listener's SASL, or null when off. With {@code clustersCheckLogins} (every cluster in
     * identity mode passthrough) a PLAIN login is checked by the cluster it is passed to, so the
     * proxy needs no users-file of its own.
     */
    static ListenerSasl read(Config root, boolean clustersCheckLogins) {
        String usersFile = root.getString(BASE + ".users-file").trim();
        if (!root.getBoolean(BASE + ".enabled")) {
            if (!usersFile.isEmpty()) {
                throw new ConfigError(ProxyConfigLoader.key(BASE + ".users-file") + " is set but " + ProxyConfigLoader.key(BASE + ".enabled")
                    + " is false; set it to true to have clients log in to the proxy");
            }
            return null;
        }
        List<String> mechanisms = root.getStringList(BASE + ".mechanisms");
        if (mechanisms.isEmpty() || !MECHANISMS.containsAll(mechanisms) || new LinkedHashSet<>(mechanisms).size() != mechanisms.size()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".mechanisms") + " is " + mechanisms
                + "; list one or more of SCRAM-SHA-512, SCRAM-SHA-256, PLAIN, OAUTHBEARER, each once");
        }
        JwtLogins jwt = mechanisms.contains(ListenerSasl.OAUTHBEARER) ? jwt(root) : null;
        boolean passwords = mechanisms.stream().anyMatch(m -> !m.equals(ListenerSasl.OAUTHBEARER));
        if (!passwords || (clustersCheckLogins && usersFile.isEmpty())) {
            return new ListenerSasl(mechanisms, null, lifetime(root), false, jwt);
        }
        if (usersFile.isEmpty()) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".users-file") + " is not set: SASL needs the users clients log in as "
                + "(cutover-proxy users add NAME --file FILE writes it)");
        }
        try {
            return new ListenerSasl(mechanisms, SaslUsers.read(Path.of(usersFile)), lifetime(root),
                root.getBoolean(BASE + ".accept-old-librdkafka-nonce"), jwt);
        } catch (IOException | RuntimeException e) {
            throw new ConfigError(ProxyConfigLoader.key(BASE + ".users-file") + ": cannot read " + usersFile + ": " + e.getMessage(), e);
        }
    }
}
