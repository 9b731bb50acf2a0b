package io.cutover.proxy.core.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The route table as one client sees it: only the rules whose selector matches the client, already
 * ordered by precedence. Built once per connection per table version; lookups take no lock, and
 * allocate nothing except the first time a regex-routed topic name is seen (the answer is cached,
 * in a cache of bounded size, since topic names come from clients).
 */
public final class ClientRoutes {
    /** Most distinct topic names whose regex verdict is cached per client view. */
    static final int REGEX_CACHE_LIMIT = 10_000;

    private final long version;
    private final String defaultCluster;
    private final Resolver topics;
    private final Resolver groups;
    private final Resolver transactionalIds;

    ClientRoutes(RouteTable table, ClientSelector.ClientIdentity client) {
        this.version = table.version();
        this.defaultCluster = table.defaultCluster();
        List<RouteRule> applicable = new ArrayList<>();
        for (RouteRule r : table.rules()) {
            if (r.clients().matches(client)) {
                applicable.add(r);
            }
        }
        this.topics = new Resolver(applicable, ResourceType.TOPIC, defaultCluster);
        this.groups = new Resolver(applicable, ResourceType.GROUP, defaultCluster);
        this.transactionalIds = new Resolver(applicable, ResourceType.TRANSACTIONAL_ID, defaultCluster);
    }

    public long version() {
        return version;
    }

    public String topic(String name) {
        return topics.cluster(name);
    }

    public String group(String id) {
        return groups.cluster(id);
    }

    public String transactionalId(String id) {
        return transactionalIds.cluster(id);
    }

    public String defaultCluster() {
        return defaultCluster;
    }

    /** True when some rule for this client routes topics somewhere other than {@code cluster}. */
    public boolean topicsLeave(String cluster) {
        return topics.anyRuleOtherThan(cluster);
    }

    private static final class Resolver {
        private final Map<String, String> exact = new HashMap<>();
        private final RouteRule[] prefixes;
        private final RouteRule[] regexes;
        private final String defaultCluster;
        private final ConcurrentHashMap<String, String> regexVerdicts = new ConcurrentHashMap<>();
        /** Clusters named by any rule of this type, for the cheap "does anything leave?" check. */
        private final java.util.Set<String> clusters = new java.util.HashSet<>();

        Resolver(List<RouteRule> rules, ResourceType type, String defaultCluster) {
            this.defaultCluster = defaultCluster;
            Map<String, RouteRule> bestExact = new HashMap<>();
            List<RouteRule> prefixList = new ArrayList<>();
            List<RouteRule> regexList = new ArrayList<>();
            for (RouteRule r : rules) {
                if (r.resource() != type) {
                    continue;
                }
                clusters.add(r.cluster());
                switch (r.match()) {
                    case EXACT -> bestExact.merge(r.pattern(), r, (a, b) -> a.clients().specificity() >= b.clients().specificity() ? a : b);
                    case PREFIX -> prefixList.add(r);
                    case REGEX -> regexList.add(r);
                }
            }
            bestExact.forEach((name, r) -> exact.put(name, r.cluster()));
            prefixList.sort(Comparator.comparingInt((RouteRule r) -> r.pattern().length()).reversed()
                .thenComparing(Comparator.comparingLong((RouteRule r) -> r.clients().specificity()).reversed()));
            regexList.sort(Comparator.comparingLong((RouteRule r) -> r.clients().specificity()).reversed());
            this.prefixes = prefixList.toArray(new RouteRule[0]);
            this.regexes = regexList.toArray(new RouteRule[0]);
        }

        String cluster(String name) {
            String c = exact.get(name);
            if (c != null) {
                return c;
            }
            for (RouteRule r : prefixes) {
                if (name.startsWith(r.pattern())) {
                    return r.cluster();
                }
            }
            if (regexes.length == 0) {
                return defaultCluster;
            }
            String cached = regexVerdicts.get(name);
            if (cached != null) {
                return cached;
            }
            String verdict = defaultCluster;
            for (RouteRule r : regexes) {
                if (r.matches(name)) {
                    verdict = r.cluster();
                    break;
                }
            }
            if (regexVerdicts.size() < REGEX_CACHE_LIMIT) {
                regexVerdicts.put(name, verdict);
            }
            return verdict;
        }

        boolean anyRuleOtherThan(String cluster) {
            if (!defaultCluster.equals(cluster)) {
                return true;
            }
            for (String c : clusters) {
                if (!c.equals(cluster)) {
                    return true;
                }
            }
            return false;
        }
    }
}
