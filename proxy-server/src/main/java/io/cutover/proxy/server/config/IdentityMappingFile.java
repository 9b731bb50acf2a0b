package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.io.File;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the identity mapping file ({@code identity.mapping-file}, HOCON or JSON): for each client
 * principal, its own user on each cluster, with the password named by an environment variable or a
 * file as everywhere else in the config, never written in the file itself.
 *
 * <pre>
 * alice { source { mechanism = SCRAM-SHA-512, username = "orders-app", password-env = "ORDERS_APP_SOURCE_PASSWORD" } }
 * "CN=billing,O=Example" { target { mechanism = PLAIN, username = "billing", password-file = "/run/secrets/billing" } }
 * carol { target { mechanism = OAUTHBEARER, client-id = "carol-app", client-secret-env = "CAROL_CLIENT_SECRET" } }
 * </pre>
 *
 * An OAUTHBEARER entry is an OAuth client of the cluster's identity provider: the proxy fetches that
 * principal's tokens with the client-credentials grant, at the entry's {@code token-endpoint-url} or,
 * without one, at the token endpoint of the cluster's own {@code sasl} settings.
 *
 * Principals are the top-level keys, read as whole keys (quote one that holds a dot), so any name a
 * client can log in with can be mapped.
 */
final class IdentityMappingFile {
    private static final Set<String> ENTRY_KEYS = Set.of("mechanism", "username", "password-env", "password-file");
    private static final Set<String> BEARER_KEYS = Set.of("mechanism", "client-id", "client-secret-env", "client-secret-file",
        "token-endpoint-url", "scope");

    private IdentityMappingFile() {
    }

    /** Cluster name to (principal to credentials); every secret is read now, so a missing one stops the start. */
    static Map<String, Map<String, SaslCredentials>> read(String path, String configKey, Function<String, String> environment) {
        File file = new File(path);
        if (!file.isFile()) {
            throw new ConfigError(configKey + ": " + path + " does not exist or is not a file");
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(file, ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            throw new ConfigError(configKey + ": cannot parse " + path + ": " + e.getMessage(), e);
        }
        Map<String, Map<String, SaslCredentials>> byCluster = new HashMap<>();
        for (Map.Entry<String, ConfigValue> principal : parsed.root().entrySet()) {
            String where = "identity mapping file " + path + ", principal \"" + principal.getKey() + "\"";
            for (Map.Entry<String, ConfigValue> cluster : object(principal.getValue(), where).entrySet()) {
                if (!ProxyConfig.CLUSTER_NAMES.contains(cluster.getKey())) {
                    throw new ConfigError(where + ": unknown cluster " + cluster.getKey() + "; clusters are named " + ProxyConfig.CLUSTER_NAMES);
                }
                String at = where + ", cluster " + cluster.getKey();
                SaslCredentials credentials = credentials(object(cluster.getValue(), at).toConfig(), at, environment);
                byCluster.computeIfAbsent(cluster.getKey(), k -> new HashMap<>()).put(principal.getKey(), credentials);
            }
        }
        return byCluster;
    }

    private static ConfigObject object(ConfigValue v, String where) {
        if (v.valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError(where + ": expected an object, found " + v.valueType().name().toLowerCase(Locale.ROOT));
        }
        return (ConfigObject) v;
    }

    private static SaslCredentials credentials(Config entry, String where, Function<String, String> environment) {
        if (entry.hasPath("mechanism") && entry.getValue("mechanism").valueType() == ConfigValueType.STRING
            && entry.getString("mechanism").trim().equalsIgnoreCase("OAUTHBEARER")) {
            return bearer(entry, where, environment);
        }
        for (String key : entry.root().keySet()) {
            if (key.equals("password")) {
                throw new ConfigError(where + ": the proxy takes no password in a file it logs about; name where it is with password-env "
                    + "(an environment variable) or password-file (a file)");
            }
            if (!ENTRY_KEYS.contains(key)) {
                throw new ConfigError(where + ": unknown key " + key + "; an entry takes " + ENTRY_KEYS);
            }
        }
        String mechanism = string(entry, "mechanism", where).toUpperCase(Locale.ROOT);
        if (!ClusterSecurityReader.MECHANISMS.contains(mechanism)) {
            throw new ConfigError(where + ": mechanism is \"" + mechanism + "\"; the proxy speaks " + ClusterSecurityReader.MECHANISMS);
        }
        String username = string(entry, "username", where);
        if (username.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ConfigError(where + ": username contains a control character");
        }
        boolean env = entry.hasPath("password-env");
        boolean file = entry.hasPath("password-file");
        if (env == file) {
            throw new ConfigError(where + ": give exactly one of password-env and password-file");
        }
        Secret password = env ? Secret.fromEnvironment(string(entry, "password-env", where), where + ", password-env", environment)
            : Secret.fromFile(java.nio.file.Path.of(string(entry, "password-file", where)), where + ", password-file");
        return new SaslCredentials(mechanism, username, password);
    }

    /** An OAUTHBEARER entry; a grant without a token endpoint takes the cluster's (see ClusterIdentityReader). */
    private static SaslCredentials bearer(Config entry, String where, Function<String, String> environment) {
        for (String key : entry.root().keySet()) {
            if (key.equals("client-secret")) {
                throw new ConfigError(where + ": the proxy takes no secret in a file it logs about; name where it is with "
                    + "client-secret-env (an environment variable) or client-secret-file (a file)");
            }
            if (!BEARER_KEYS.contains(key)) {
                throw new ConfigError(where + ": unknown key " + key + "; an OAUTHBEARER entry takes " + BEARER_KEYS);
            }
        }
        String clientId = string(entry, "client-id", where);
        if (clientId.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new ConfigError(where + ": client-id contains a control character");
        }
        boolean env = entry.hasPath("client-secret-env");
        boolean file = entry.hasPath("client-secret-file");
        if (env == file) {
            throw new ConfigError(where + ": give exactly one of client-secret-env and client-secret-file");
        }
        Secret secret = env ? Secret.fromEnvironment(string(entry, "client-secret-env", where), where + ", client-secret-env", environment)
            : Secret.fromFile(java.nio.file.Path.of(string(entry, "client-secret-file", where)), where + ", client-secret-file");
        java.net.URI endpoint = entry.hasPath("token-endpoint-url")
            ? ClusterSecurityReader.tokenEndpoint(string(entry, "token-endpoint-url", where), where + ", token-endpoint-url") : null;
        String scope = entry.hasPath("scope") ? string(entry, "scope", where) : null;
        return SaslCredentials.bearer(new ClientCredentialsGrant(endpoint, clientId, secret, scope, null));
    }

    private static String string(Config entry, String key, String where) {
        if (!entry.hasPath(key) || entry.getValue(key).valueType() != ConfigValueType.STRING || entry.getString(key).isBlank()) {
            throw new ConfigError(where + ": " + key + " is required (a non-empty string)");
        }
        return entry.getString(key).trim();
    }
}
