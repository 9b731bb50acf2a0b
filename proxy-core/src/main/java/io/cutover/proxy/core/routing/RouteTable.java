package io.cutover.proxy.core.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The routing table: an immutable, versioned list of rules plus a default cluster. A change makes a
 * new table with the next version; the live table is swapped atomically (see {@link Routes}).
 *
 * <p>Which rule wins for a name: an exact rule beats a prefix rule, a longer prefix beats a shorter
 * one, and both beat a regex. Among rules that match the name equally well, the one narrowed to
 * the most specific client selector wins (client.id prefix and address, then client.id prefix,
 * then address, then none). Rules that apply to no selector of the client are skipped.
 */
public final class RouteTable {
    public static final String DEFAULT_CLUSTER = "source";

    private final long version;
    private final String defaultCluster;
    private final List<RouteRule> rules;

    public RouteTable(long version, String defaultCluster, List<RouteRule> rules) {
        this.version = version;
        this.defaultCluster = Objects.requireNonNull(defaultCluster, "defaultCluster");
        this.rules = List.copyOf(rules);
        Set<String> keys = new HashSet<>();
        for (RouteRule r : this.rules) {
            if (!keys.add(r.key())) {
                throw new RouteTableException("two rules for " + r.key() + "; a table holds one rule per resource, match, pattern and client selector");
            }
        }
    }

    public static RouteTable initial() {
        return new RouteTable(0, DEFAULT_CLUSTER, List.of());
    }

    /** Checks every rule and the default name a known cluster. */
    public RouteTable validate(Collection<String> clusters) {
        if (!clusters.contains(defaultCluster)) {
            throw new RouteTableException("unknown cluster \"" + defaultCluster + "\" as the default; clusters are " + clusters);
        }
        for (RouteRule r : rules) {
            if (!clusters.contains(r.cluster())) {
                throw new RouteTableException("unknown cluster \"" + r.cluster() + "\" in rule " + r.key() + "; clusters are " + clusters);
            }
        }
        return this;
    }

    public long version() {
        return version;
    }

    public String defaultCluster() {
        return defaultCluster;
    }

    public List<RouteRule> rules() {
        return rules;
    }

    /** The next version of this table with {@code rules} and {@code defaultCluster}. */
    public RouteTable next(String newDefault, List<RouteRule> newRules) {
        return new RouteTable(version + 1, newDefault, newRules);
    }

    /**
     * The next version with one rule set: a rule with the same key is replaced, otherwise the rule
     * is added.
     */
    public RouteTable withRule(RouteRule rule) {
        List<RouteRule> out = new ArrayList<>(rules.size() + 1);
        boolean replaced = false;
        for (RouteRule r : rules) {
            if (r.key().equals(rule.key())) {
                out.add(rule);
                replaced = true;
            } else {
                out.add(r);
            }
        }
        if (!replaced) {
            out.add(rule);
        }
        return next(defaultCluster, out);
    }

    /** The rule with this key, or null. */
    public RouteRule rule(String key) {
        for (RouteRule r : rules) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        return null;
    }

    /** Compiles the part of the table that applies to one client, for fast lookups on its connection. */
    public ClientRoutes forClient(ClientSelector.ClientIdentity client) {
        return new ClientRoutes(this, client);
    }

    @Override
    public String toString() {
        return "RouteTable{version=" + version + ", default=" + defaultCluster + ", rules=" + rules + "}";
    }
}
