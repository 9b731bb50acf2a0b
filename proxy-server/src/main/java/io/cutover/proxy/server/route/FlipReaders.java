package io.cutover.proxy.server.route;

import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.server.wave.ClusterAdmins;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Who would be hurt by a plain route change that moves a topic to the other cluster: consumer
 * groups with offsets committed for it on the cluster it leaves, and connected clients fetching it.
 * A plain flip carries no offsets, so such a group's positions would be applied to another log and
 * its members would skip or re-read records; moving readers is what waves are for.
 */
public final class FlipReaders implements ReaderCheck {
    private final ClusterAdmins admins;
    private final ClientInventory inventory;
    private final Executor executor;

    /** @param executor where the admin calls run: never the admin HTTP event loop */
    public FlipReaders(ClusterAdmins admins, ClientInventory inventory, Executor executor) {
        this.admins = admins;
        this.inventory = inventory;
        this.executor = executor;
    }

    @Override
    public CompletionStage<List<String>> readersOfMovedTopics(RouteTable current, RouteTable next) {
        return CompletableFuture.supplyAsync(() -> readers(current, next), executor);
    }

    private List<String> readers(RouteTable current, RouteTable next) {
        List<String> out = new ArrayList<>();
        // Topics a connected client fetches, and whether the change moves them for that client.
        Map<String, Set<String>> movedFrom = new java.util.TreeMap<>(); // cluster left -> topics
        for (ClientRecord.Snapshot c : inventory.snapshot()) {
            if (c.connections() == 0 || c.fetched().isEmpty()) {
                continue;
            }
            ClientSelector.ClientIdentity who = new ClientSelector.ClientIdentity(c.clientId(), address(c.address()));
            Set<String> moved = new TreeSet<>();
            for (String topic : c.fetched()) {
                String before = current.forClient(who).topic(topic);
                String after = next.forClient(who).topic(topic);
                if (!before.equals(after)) {
                    moved.add(topic);
                    movedFrom.computeIfAbsent(before, k -> new TreeSet<>()).add(topic);
                }
            }
            if (!moved.isEmpty()) {
                out.add("client " + c.clientId() + " (" + c.address() + ") fetches " + moved);
            }
        }
        // Topics named exactly by a changed rule, whether or not a client reads them right now.
        for (RouteRule rule : next.rules()) {
            RouteRule before = current.rule(rule.key());
            String was = before == null ? current.defaultCluster() : before.cluster();
            if (rule.resource() == ResourceType.TOPIC && rule.match() == io.cutover.proxy.core.routing.MatchType.EXACT
                && !was.equals(rule.cluster())) {
                movedFrom.computeIfAbsent(was, k -> new TreeSet<>()).add(rule.pattern());
            }
        }
        for (Map.Entry<String, Set<String>> e : movedFrom.entrySet()) {
            admins.groupsReading(e.getKey(), e.getValue()).forEach((group, offsets) -> {
                Set<String> topics = new LinkedHashSet<>();
                offsets.keySet().forEach(tp -> topics.add(tp.topic()));
                out.add("group " + group + " has offsets committed on " + e.getKey() + " for " + new TreeSet<>(topics));
            });
        }
        return out;
    }

    private static InetAddress address(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return InetAddress.getLoopbackAddress();
        }
    }
}
