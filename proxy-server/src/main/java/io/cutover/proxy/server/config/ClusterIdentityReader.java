package io.cutover.proxy.server.config;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles {@code clusters.<name>.security.identity}: whom clients' connections to that cluster
 * authenticate as. Mapped (the default once clients log in to the proxy) and passthrough need a
 * login to know the client by, and a SASL cluster to present a user to; passthrough needs a
 * mechanism that hands the proxy something it can present again (PLAIN's password, OAUTHBEARER's
 * token; SCRAM never reveals the password).
 */
final class ClusterIdentityReader {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterIdentityReader.class);
    static final String MAPPING_FILE = "identity.mapping-file";

    private final Config root;
    private final boolean clientsLogIn;
    /** Every client shows a certificate (listener.tls.client-auth = required): its subject can be mapped too. */
    private final boolean certificatesRequired;
    private final String mappingFile;
    private final Function<String, String> environment;
    /** Read once, when the first mapped cluster asks: a proxy in service mode never opens the file. */
    private Map<String, Map<String, SaslCredentials>> mappings;

    ClusterIdentityReader(Config root, Function<String, String> environment) {
        this.root = root;
        this.clientsLogIn = root.getBoolean("listener.sasl.enabled");
        this.certificatesRequired = root.getBoolean("listener.tls.enabled")
            && root.getString("listener.tls.client-auth").trim().equalsIgnoreCase("required");
        this.mappingFile = root.getString(MAPPING_FILE).trim();
        this.environment = environment;
    }

    /** Cluster to (principal to credentials); null when no mapping file is set. */
    private Map<String, Map<String, SaslCredentials>> mappings() {
        if (mappings == null && !mappingFile.isEmpty()) {
            mappings = IdentityMappingFile.read(mappingFile, ProxyConfigLoader.key(MAPPING_FILE), environment);
        }
        return mappings;
    }

    ClusterSecurityConfig settle(String cluster, ClusterSecurityConfig security) {
        String path = "clusters." + cluster + ".security.identity";
        String key = ProxyConfigLoader.key(path);
        IdentityMode mode = explicit(path);
        if (mode == null) {
            // Once clients log in, each should reach a SASL cluster as itself; service stays an explicit, weaker choice.
            mode = clientsLogIn && security.usesSasl() ? IdentityMode.MAPPED : IdentityMode.SERVICE;
        }
        if (mode == IdentityMode.SERVICE) {
            if (clientsLogIn && security.usesSasl()) {
                LOG.warn("{} is service: every client reaches cluster {} as {}, so its ACLs, quotas and audit log cannot tell "
                    + "applications apart; mapped gives each client principal its own user", key, cluster, security.sasl().username());
            }
            return security.withIdentity(mode, Map.of());
        }
        if (!security.usesSasl()) {
            throw new ConfigError(key + " is " + mode.configName() + " but cluster " + cluster + " is reached over "
                + security.protocol().name + ": a client identity is presented with SASL only (SASL_PLAINTEXT or SASL_SSL), "
                + "so use identity = service");
        }
        if (!clientsLogIn && !(certificatesRequired && mode == IdentityMode.MAPPED)) {
            throw new ConfigError(key + " is " + mode.configName() + ", which needs to know each client: turn on "
                + ProxyConfigLoader.key("listener.sasl") + " so clients log in to the proxy"
                + (mode == IdentityMode.MAPPED ? ", or require client certificates (" + ProxyConfigLoader.key("listener.tls.client-auth")
                + " = required) to map their subjects" : " (passthrough needs a login whose secret can be passed on)")
                + ", or use identity = service");
        }
        if (mode == IdentityMode.PASSTHROUGH) {
            List<String> mechanisms = root.getStringList("listener.sasl.mechanisms");
            List<String> scram = mechanisms.stream().filter(m -> m.startsWith("SCRAM-")).toList();
            if (!scram.isEmpty()) {
                throw new ConfigError(key + " is passthrough, but " + ProxyConfigLoader.key("listener.sasl.mechanisms") + " offers "
                    + scram + ": a SCRAM login never shows the proxy the password, so there is nothing to pass on; offer PLAIN "
                    + "and/or OAUTHBEARER only (with TLS), or use identity = mapped");
            }
            return security.withIdentity(mode, Map.of());
        }
        Map<String, Map<String, SaslCredentials>> all = mappings();
        if (all == null) {
            throw new ConfigError(key + " is mapped" + (root.hasPath(path) ? "" : " (the default once listener.sasl is on)") + " but "
                + ProxyConfigLoader.key(MAPPING_FILE) + " is not set: name the file that maps each client principal to its user on "
                + "cluster " + cluster + ", or set identity = service (one proxy user for every client; see docs/security.md)");
        }
        Map<String, SaslCredentials> here = withTokenEndpoints(all.getOrDefault(cluster, Map.of()), cluster, security);
        if (here.isEmpty()) {
            LOG.warn("{} maps no principal to a user on cluster {}: every client login for it will be refused",
                ProxyConfigLoader.key(MAPPING_FILE), cluster);
        }
        return security.withIdentity(mode, here);
    }

    /** OAUTHBEARER entries without a token endpoint of their own take the one of the cluster's {@code sasl} settings. */
    private Map<String, SaslCredentials> withTokenEndpoints(Map<String, SaslCredentials> entries, String cluster,
                                                            ClusterSecurityConfig security) {
        Map<String, SaslCredentials> settled = new java.util.HashMap<>();
        entries.forEach((principal, c) -> {
            ClientCredentialsGrant g = c.grant();
            if (g != null && g.tokenEndpoint() == null) {
                ClientCredentialsGrant own = security.sasl().grant();
                if (own == null) {
                    throw new ConfigError(ProxyConfigLoader.key(MAPPING_FILE) + ": principal \"" + principal + "\" logs in to cluster "
                        + cluster + " with OAUTHBEARER but names no token-endpoint-url, and the cluster's own sasl settings name none "
                        + "either (its mechanism is " + security.sasl().mechanism() + ")");
                }
                c = SaslCredentials.bearer(new ClientCredentialsGrant(own.tokenEndpoint(), g.clientId(), g.clientSecret(), g.scope(),
                    own.caFile()));
            }
            settled.put(principal, c);
        });
        return settled;
    }

    private IdentityMode explicit(String path) {
        if (!root.hasPath(path)) {
            return null;
        }
        String value = root.getString(path);
        IdentityMode mode = IdentityMode.parse(value);
        if (mode == null) {
            throw new ConfigError(ProxyConfigLoader.key(path) + " is \"" + value.trim() + "\"; use mapped (each client principal as "
                + "its own user, from " + ProxyConfigLoader.key(MAPPING_FILE) + "), passthrough (the client's own PLAIN or "
                + "OAUTHBEARER login) or service (one proxy user for every client)");
        }
        return mode;
    }

    /** True when every cluster checks the client's login itself (passthrough everywhere): the proxy then needs no users of its own. */
    static boolean allPassthrough(Map<String, ClusterConfig> clusters) {
        return clusters.values().stream().allMatch(c -> c.security().identity() == IdentityMode.PASSTHROUGH);
    }
}
