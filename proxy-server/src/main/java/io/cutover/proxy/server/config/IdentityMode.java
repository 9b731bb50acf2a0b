package io.cutover.proxy.server.config;

import java.util.Locale;

/**
 * Whom a client's connection to a cluster authenticates as ({@code clusters.<name>.security.identity}).
 * The proxy's own links (discovery, control requests, admin calls, offset syncs, producer ids)
 * always use the cluster's service credential ({@code security.sasl}); this decides only the
 * connections that carry clients' requests.
 */
public enum IdentityMode {
    /** Every client as the proxy's own user: the cluster cannot tell applications apart. */
    SERVICE,
    /** Each client principal as its own user on the cluster, from identity.mapping-file. */
    MAPPED,
    /** Each client with the PLAIN password or OAUTHBEARER token it logged in to the proxy with. */
    PASSTHROUGH;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode {@code value} names; null when it names none. */
    static IdentityMode parse(String value) {
        for (IdentityMode m : values()) {
            if (m.configName().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        return null;
    }
}
