package io.cutover.proxy.core.routing;

import java.net.InetAddress;

/**
 * Narrows a rule to some clients: by client.id prefix, by source address, or both. A rule without a
 * selector applies to every client.
 */
public record ClientSelector(String clientIdPrefix, Cidr address) {
    public static final ClientSelector ANY = new ClientSelector(null, null);

    public ClientSelector {
        if (clientIdPrefix != null && clientIdPrefix.isEmpty()) {
            clientIdPrefix = null;
        }
    }

    public boolean isAny() {
        return clientIdPrefix == null && address == null;
    }

    public boolean matches(ClientIdentity client) {
        if (clientIdPrefix != null && (client.clientId() == null || !client.clientId().startsWith(clientIdPrefix))) {
            return false;
        }
        return address == null || address.contains(client.address());
    }

    /**
     * Orders selectors from broad to narrow: none, an address range (wider first), a client.id
     * prefix (shorter first), both.
     */
    long specificity() {
        long score = 0;
        if (clientIdPrefix != null) {
            score += 1_000_000L + clientIdPrefix.length() * 1_000L;
        }
        if (address != null) {
            score += 1 + address.prefixLength();
        }
        return score;
    }

    /** The identity a selector is matched against: the connection's client.id and peer address. */
    public record ClientIdentity(String clientId, InetAddress address) {
    }

    public static ClientSelector of(String clientIdPrefix, String cidr) {
        return new ClientSelector(clientIdPrefix, cidr == null || cidr.isEmpty() ? null : Cidr.parse(cidr));
    }
}
