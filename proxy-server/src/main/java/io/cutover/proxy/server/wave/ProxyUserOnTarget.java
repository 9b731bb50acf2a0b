package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.wave.PrincipalNeeds;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveClients;
import io.cutover.proxy.server.config.ProxyConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The proxy's own user on the target. In identity mode {@code service} every request of every client
 * reaches the target as that one user once the wave has switched, so it needs the union of what the
 * wave's clients did there, whether they logged in to the proxy or not: without WRITE on a topic,
 * every producer of the wave would fail at once. Under mapped and passthrough the clients' requests
 * reach the target as their own users, and this user only answers Metadata and FindCoordinator for
 * them from the proxy's own links: it needs DESCRIBE on the same topics and groups, and requiring
 * more would block a switch over rights it never uses. Judged by the target's own authorizer, through the
 * operations it reports the proxy's user may do on each topic and group (KIP-430), so neither the
 * user's name nor the address it connects from needs knowing. Transactional ids have no such
 * report and are not checked for it.
 */
final class ProxyUserOnTarget {
    private final ClusterAdmins admins;
    private final ClientInventory inventory;
    /** Identity service: this user carries the clients' requests themselves. */
    private final boolean carriesClients;

    ProxyUserOnTarget(ClusterAdmins admins, ClientInventory inventory, boolean carriesClients) {
        this.admins = admins;
        this.inventory = inventory;
        this.carriesClients = carriesClients;
    }

    /** Adds the checks to {@code evidence} and returns a problem per operation refused. */
    List<String> check(Wave wave, ObjectNode evidence) {
        Set<String> produced = new TreeSet<>();
        Set<String> fetched = new TreeSet<>();
        Set<String> groups = new TreeSet<>();
        for (ClientRecord.Snapshot c : inventory.snapshot()) {
            if (WaveClients.uses(wave, c)) {
                produced.addAll(c.produced());
                fetched.addAll(c.fetched());
                groups.addAll(c.groups());
            }
        }
        List<PrincipalNeeds.Need> needs = needs(carriesClients, PrincipalNeeds.of(produced, fetched, groups, Set.of(),
            new TreeSet<>(wave.topics()), new TreeSet<>(wave.groups()), id -> false));
        Set<String> topicsNeeded = new TreeSet<>();
        Set<String> groupsNeeded = new TreeSet<>();
        needs.forEach(n -> (n.type() == ResourceType.TOPIC ? topicsNeeded : groupsNeeded).add(n.name()));
        Map<String, Set<AclOperation>> topicOps = topicsNeeded.isEmpty() ? Map.of()
            : admins.ownTopicOperations(ProxyConfig.TARGET, topicsNeeded);
        Map<String, Set<AclOperation>> groupOps = groupsNeeded.isEmpty() ? Map.of()
            : admins.ownGroupOperations(ProxyConfig.TARGET, groupsNeeded);
        ArrayNode rows = evidence.putObject("proxyUser").put("note", "the proxy's own user on the target, as the target's authorizer "
            + "reports its operations; " + (carriesClients ? "it carries every client's requests (identity service)"
            : "the clients' requests reach the target as their own users, so it needs DESCRIBE only") + "; resources the target does "
            + "not have yet are not judged").putArray("operations");
        List<String> problems = new ArrayList<>();
        for (PrincipalNeeds.Need n : needs) {
            Set<AclOperation> granted = (n.type() == ResourceType.TOPIC ? topicOps : groupOps).get(n.name());
            if (granted == null) {
                continue;
            }
            boolean allowed = granted.contains(n.operation());
            rows.addObject().put("resource", n.resource()).put("operation", n.operation().name()).put("allowed", allowed);
            if (!allowed) {
                problems.add("the proxy's own user would lack " + n.operation() + " on " + n.resource() + " on the target, which the "
                    + "wave's clients need through it (a client " + n.because() + (carriesClients ? ")"
                    : "; the proxy answers its Metadata and FindCoordinator as that user)"));
            }
        }
        return problems;
    }

    /** What this user needs of what the clients did: all of it when it carries their requests, else only to describe the resources. */
    static List<PrincipalNeeds.Need> needs(boolean carriesClients, List<PrincipalNeeds.Need> clients) {
        return carriesClients ? clients : clients.stream().filter(n -> n.operation() == AclOperation.DESCRIBE).toList();
    }
}
