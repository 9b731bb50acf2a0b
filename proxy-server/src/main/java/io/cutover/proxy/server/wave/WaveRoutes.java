package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.wave.Wave;

/**
 * The route rules a wave stands for: each of its topics and groups, exactly, and the transactional
 * ids that write its topics, for its clients, on one cluster.
 */
final class WaveRoutes {
    private WaveRoutes() {
    }

    /** The next version of {@code current} (one version up) with the wave's rules naming {@code cluster}. */
    static RouteTable pointing(RouteTable current, Wave wave, String cluster) {
        return pointing(current, wave, WaveTransactionalIds.NONE, cluster);
    }

    /** The same, moving the wave's transactional ids too. */
    static RouteTable pointing(RouteTable current, Wave wave, WaveTransactionalIds transactionalIds, String cluster) {
        java.util.Map<String, RouteRule> rules = new java.util.LinkedHashMap<>();
        current.rules().forEach(r -> rules.put(r.key(), r));
        for (String t : wave.topics()) {
            RouteRule r = new RouteRule(ResourceType.TOPIC, MatchType.EXACT, t, wave.clients(), cluster);
            rules.put(r.key(), r);
        }
        for (String g : wave.groups()) {
            RouteRule r = new RouteRule(ResourceType.GROUP, MatchType.EXACT, g, wave.clients(), cluster);
            rules.put(r.key(), r);
        }
        for (RouteRule r : transactionalIds.rules(wave, cluster)) {
            rules.put(r.key(), r);
        }
        return current.next(current.defaultCluster(), new java.util.ArrayList<>(rules.values()));
    }

    /** True when every rule the wave stands for sends its topic or group to {@code cluster} in {@code table}. */
    static boolean pointAt(RouteTable table, Wave wave, String cluster) {
        for (RouteRule wanted : pointing(RouteTable.initial(), wave, cluster).rules()) {
            RouteRule actual = table.rule(wanted.key());
            String actualCluster = actual == null ? table.defaultCluster() : actual.cluster();
            if (!actualCluster.equals(cluster)) {
                return false;
            }
        }
        return true;
    }
}
