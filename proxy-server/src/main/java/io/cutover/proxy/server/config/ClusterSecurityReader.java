package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code clusters.<name>.security}: how the proxy itself connects and authenticates to that
 * cluster. Wrong combinations (SASL settings on an SSL cluster, two CA sources, a mechanism the
 * proxy cannot speak) stop the start with the key named.
 */
final class ClusterSecurityReader {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterSecurityReader.class);
    static final List<String> MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");
    private static final Set<String> STORE_KEYS = Set.of("file", "type", "password-env", "password-file");
    private static final Set<String> TLS_KEYS = Set.of("ca-file", "certificate-file", "key-file", "key-password-env", "key-password-file",
        "hostname-verification");
    private static final Set<String> SASL_KEYS = Set.of("mechanism", "username", "password-env", "password-file");
    /** OAUTHBEARER's client-credentials grant, instead of username and password. */
    static final Set<String> GRANT_KEYS = Set.of("token-endpoint-url", "client-id", "client-secret-env", "client-secret-file", "scope",
        "token-endpoint-ca-file");

    private ClusterSecurityReader() {
    }

    /** Refuses a key under {@code clusters.<name>.security.} that the proxy does not read. */
    static void checkKey(String fullKey, String relative) {
        if (relative.equals("protocol") || relative.equals("identity")) {
            return;
        }
        if (relative.startsWith("tls.")) {
            String k = relative.substring(4);
            if (TLS_KEYS.contains(k) || storeKey(k, "keystore.") || storeKey(k, "truststore.")) {
                return;
            }
        } else if (relative.startsWith("sasl.")) {
            String k = relative.substring(5);
            if (SASL_KEYS.contains(k) || GRANT_KEYS.contains(k)) {
                return;
            }
            if (k.equals("password") || k.equals("client-secret")) {
                throw new ConfigError(fullKey + ": the proxy takes no password in its config file; name where it is with "
                    + "sasl." + k + "-env (an environment variable) or sasl." + k + "-file (a file)");
            }
        }
        throw new ConfigError("unknown config key " + fullKey + "; a cluster's security takes protocol, identity, tls { ca-file, "
            + "truststore.*, certificate-file, key-file, key-password-env/-file, keystore.*, hostname-verification } and sasl "
            + SASL_KEYS + " or, for OAUTHBEARER, sasl " + GRANT_KEYS + " (see docs/security.md)");
    }

    private static boolean storeKey(String k, String prefix) {
        return k.startsWith(prefix) && STORE_KEYS.contains(k.substring(prefix.length()));
    }

    /** The security of cluster {@code name}; plaintext when the block is absent. */
    static ClusterSecurityConfig read(Config root, String name, TlsSettingsReader files) {
        String base = "clusters." + name + ".security";
        if (!root.hasPath(base)) {
            return ClusterSecurityConfig.PLAINTEXT;
        }
        SecurityProtocol protocol = protocol(root, base + ".protocol");
        boolean tls = protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
        boolean sasl = protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
        if (!tls && root.hasPath(base + ".tls")) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".tls") + " is set but " + ProxyConfigLoader.key(base + ".protocol")
                + " is " + protocol + ", which does not use TLS; use SSL or SASL_SSL");
        }
        if (!sasl && root.hasPath(base + ".sasl")) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".sasl") + " is set but " + ProxyConfigLoader.key(base + ".protocol")
                + " is " + protocol + ", which does not use SASL; use SASL_PLAINTEXT or SASL_SSL");
        }
        TrustMaterial trust = tls ? files.trust(base + ".tls") : null;
        KeyMaterial key = tls ? files.key(base + ".tls") : null;
        boolean verifyHost = !tls || !root.hasPath(base + ".tls.hostname-verification") || root.getBoolean(base + ".tls.hostname-verification");
        SaslCredentials credentials = sasl ? sasl(root, base + ".sasl", files) : null;
        if (!verifyHost) {
            LOG.warn("{} is off: cluster {}'s certificate is not checked against the broker's host name, so anyone holding a "
                + "certificate from its CA can pose as its brokers", ProxyConfigLoader.key(base + ".tls.hostname-verification"), name);
        }
        if (protocol == SecurityProtocol.SASL_PLAINTEXT && (credentials.mechanism().equals("PLAIN") || credentials.grant() != null)) {
            LOG.warn("cluster {} uses SASL {} without TLS: the proxy's {} crosses the network in clear; use SASL_SSL", name,
                credentials.mechanism(), credentials.grant() != null ? "bearer token" : "password");
        }
        return new ClusterSecurityConfig(protocol, trust, key, verifyHost, credentials);
    }

    private static SecurityProtocol protocol(Config root, String path) {
        String p = root.hasPath(path) ? root.getString(path).trim().toUpperCase(Locale.ROOT) : "";
        for (SecurityProtocol sp : List.of(SecurityProtocol.PLAINTEXT, SecurityProtocol.SSL, SecurityProtocol.SASL_PLAINTEXT,
            SecurityProtocol.SASL_SSL)) {
            if (sp.name.equals(p)) {
                return sp;
            }
        }
        throw new ConfigError(ProxyConfigLoader.key(path) + (p.isEmpty() ? " is required" : " is \"" + p + "\"")
            + "; use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL");
    }

    static SaslCredentials sasl(Config root, String base, TlsSettingsReader files) {
        if (!root.hasPath(base)) {
            throw new ConfigError(ProxyConfigLoader.key(base) + " { mechanism, username, password-env or password-file } is required "
                + "for a SASL protocol");
        }
        String mechanism = files.optional(base + ".mechanism");
        if (mechanism == null) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".mechanism") + " is required; use one of " + MECHANISMS);
        }
        mechanism = mechanism.toUpperCase(Locale.ROOT);
        if (!MECHANISMS.contains(mechanism)) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".mechanism") + " is \"" + mechanism + "\"; the proxy speaks "
                + MECHANISMS + (mechanism.equals("GSSAPI") ? " (GSSAPI is not supported yet)" : ""));
        }
        if (mechanism.equals("OAUTHBEARER")) {
            for (String k : List.of("username", "password-env", "password-file")) {
                if (root.hasPath(base + "." + k)) {
                    throw new ConfigError(ProxyConfigLoader.key(base + "." + k) + " is set, but OAUTHBEARER logs in with a token the "
                        + "proxy fetches itself: give token-endpoint-url, client-id and client-secret-env or client-secret-file");
                }
            }
            return SaslCredentials.bearer(grant(base, files, null));
        }
        for (String k : GRANT_KEYS) {
            if (root.hasPath(base + "." + k)) {
                throw new ConfigError(ProxyConfigLoader.key(base + "." + k) + " is for mechanism OAUTHBEARER only; "
                    + ProxyConfigLoader.key(base + ".mechanism") + " is " + mechanism);
            }
        }
        String username = files.optional(base + ".username");
        if (username == null) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".username") + " is required");
        }
        if (username.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".username") + " contains a control character");
        }
        return new SaslCredentials(mechanism, username, files.secret(base + ".password", true));
    }

    /**
     * The client-credentials grant under {@code base}; {@code defaultEndpoint} (may be null) stands in
     * for a missing token-endpoint-url, as in an identity mapping entry that shares the cluster's.
     */
    static ClientCredentialsGrant grant(String base, TlsSettingsReader files, ClientCredentialsGrant defaultEndpoint) {
        String url = files.optional(base + ".token-endpoint-url");
        java.net.URI endpoint;
        if (url == null) {
            if (defaultEndpoint == null) {
                throw new ConfigError(ProxyConfigLoader.key(base + ".token-endpoint-url") + " is required for OAUTHBEARER: the "
                    + "identity provider's OAuth token endpoint, where the proxy gets its tokens (client-credentials grant)");
            }
            endpoint = defaultEndpoint.tokenEndpoint();
        } else {
            endpoint = tokenEndpoint(url, ProxyConfigLoader.key(base + ".token-endpoint-url"));
        }
        String clientId = files.optional(base + ".client-id");
        if (clientId == null) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".client-id") + " is required for OAUTHBEARER");
        }
        if (clientId.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".client-id") + " contains a control character");
        }
        Secret secret = files.secret(base + ".client-secret", true);
        java.nio.file.Path ca = files.optional(base + ".token-endpoint-ca-file") == null ? (url == null && defaultEndpoint != null
            ? defaultEndpoint.caFile() : null) : files.file(base + ".token-endpoint-ca-file");
        if (ca != null && !endpoint.getScheme().equalsIgnoreCase("https")) {
            throw new ConfigError(ProxyConfigLoader.key(base + ".token-endpoint-ca-file") + " is set but the token endpoint "
                + endpoint + " is not https");
        }
        return new ClientCredentialsGrant(endpoint, clientId, secret, files.optional(base + ".scope"), ca);
    }

    static java.net.URI tokenEndpoint(String url, String key) {
        java.net.URI endpoint;
        try {
            endpoint = new java.net.URI(url);
        } catch (java.net.URISyntaxException e) {
            throw new ConfigError(key + ": not a URL: " + url);
        }
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("https") || scheme.equals("http")) || endpoint.getHost() == null) {
            throw new ConfigError(key + ": an http or https URL, was " + url);
        }
        if (endpoint.getUserInfo() != null) {
            throw new ConfigError(key + ": put no user or password in the URL; the client secret goes in client-secret-env or -file");
        }
        if (scheme.equals("http")) {
            LOG.warn("{} is plain http: the client secret and the tokens cross the network in clear; use https", key);
        }
        return endpoint;
    }
}
