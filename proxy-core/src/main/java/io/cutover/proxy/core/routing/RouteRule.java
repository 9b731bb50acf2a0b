package io.cutover.proxy.core.routing;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Sends a topic, a consumer group or a transactional id, named exactly, by prefix or (topics only)
 * by regex, to one cluster, optionally for some clients only.
 */
public final class RouteRule {
    private final ResourceType resource;
    private final MatchType match;
    private final String pattern;
    private final ClientSelector clients;
    private final String cluster;
    private final Pattern regex;

    public RouteRule(ResourceType resource, MatchType match, String pattern, ClientSelector clients, String cluster) {
        this.resource = Objects.requireNonNull(resource, "resource");
        this.match = Objects.requireNonNull(match, "match");
        this.clients = clients == null ? ClientSelector.ANY : clients;
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        if (pattern == null || pattern.isEmpty()) {
            throw new RouteTableException("a rule needs a non-empty pattern");
        }
        this.pattern = pattern;
        if (match == MatchType.REGEX) {
            if (resource != ResourceType.TOPIC) {
                throw new RouteTableException("regex rules are for topics only; " + resource.json() + " rules match exact or prefix");
            }
            try {
                this.regex = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new RouteTableException("invalid regex \"" + pattern + "\": " + e.getDescription());
            }
        } else {
            this.regex = null;
        }
    }

    public ResourceType resource() {
        return resource;
    }

    public MatchType match() {
        return match;
    }

    public String pattern() {
        return pattern;
    }

    public ClientSelector clients() {
        return clients;
    }

    public String cluster() {
        return cluster;
    }

    boolean matches(String name) {
        return switch (match) {
            case EXACT -> pattern.equals(name);
            case PREFIX -> name.startsWith(pattern);
            case REGEX -> regex.matcher(name).matches();
        };
    }

    /** Two rules with the same key would contradict each other; a table holds at most one per key. */
    public String key() {
        return resource.json() + ":" + match.json() + ":" + pattern
            + (clients.clientIdPrefix() == null ? "" : "|client.id^=" + clients.clientIdPrefix())
            + (clients.address() == null ? "" : "|address=" + clients.address());
    }

    public RouteRule withCluster(String newCluster) {
        return new RouteRule(resource, match, pattern, clients, newCluster);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RouteRule r && r.key().equals(key()) && r.cluster.equals(cluster);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key(), cluster);
    }

    @Override
    public String toString() {
        return key() + " -> " + cluster;
    }
}
