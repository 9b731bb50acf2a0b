package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.inventory.PrincipalRecord;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.PrincipalNeeds;
import io.cutover.proxy.core.wave.TargetAcls;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveClients;
import io.cutover.proxy.server.config.ProxyConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The {@code acls-on-target} gate: every principal the proxy saw use the wave's topics, groups and
 * transactional ids must be allowed on the target what it did on the source, from every address it
 * came from. The target's ACLs covering those resources are read once, and Kafka's authorizer rules
 * applied to them ({@link TargetAcls}), with the broker's super.users and
 * allow.everyone.if.no.acl.found. The proxy's own user there, which carries every client's requests
 * in identity mode service, is checked too ({@link ProxyUserOnTarget}). A target without an
 * authorizer passes, saying so.
 */
final class AclsOnTarget {
    static final String GATE = "acls-on-target";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TITLE = "The principals that use the wave's resources are allowed the same on the target";
    /** A host no ACL names: with no address known, only ACLs for every host ("*") count. */
    private static final String UNKNOWN_HOST = "(unknown address)";

    private final ClusterAdmins admins;
    private final ClientInventory inventory;
    private final ProxyUserOnTarget proxyUser;

    AclsOnTarget(ClusterAdmins admins, ClientInventory inventory) {
        this.admins = admins;
        this.inventory = inventory;
        this.proxyUser = new ProxyUserOnTarget(admins, inventory);
    }

    GateResult check(Wave wave, WaveTransactionalIds moving) {
        ObjectNode evidence = JSON.createObjectNode();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        List<PrincipalRecord.Snapshot> principals = inventory.principals().snapshot();
        Map<String, List<PrincipalNeeds.Need>> needs = needs(wave, moving, principals);
        Map<String, Set<String>> addresses = new LinkedHashMap<>();
        principals.forEach(p -> addresses.put(p.principal(), p.addresses()));
        Set<ResourcePatternFilter> resources = new LinkedHashSet<>();
        needs.values().forEach(list -> list.forEach(n -> resources.add(new ResourcePatternFilter(n.type(), n.name(), PatternType.MATCH))));
        Optional<Set<AclBinding>> acls;
        try {
            // With nothing to check, one resource is still asked about: the evidence says whether the target has an authorizer.
            acls = admins.aclsCovering(ProxyConfig.TARGET, resources.isEmpty()
                ? List.of(new ResourcePatternFilter(ResourceType.TOPIC, "*", PatternType.MATCH)) : resources);
        } catch (ClusterAdmins.ClusterCallException e) {
            problems.add("cannot read the target's ACLs (" + e.getMessage() + "): the proxy's user on the target needs DESCRIBE on the "
                + "cluster to check them");
            evidence.set("problems", strings(problems));
            return new GateResult(GATE, TITLE, false, evidence, warnings, "Allow the proxy's user on the target to describe ACLs "
                + "(DESCRIBE on the cluster resource), then check again.");
        }
        evidence.put("authorizer", acls.isPresent());
        List<String> anonymous = clientsWithoutPrincipal(wave);
        if (acls.isEmpty()) {
            evidence.put("note", "the target has no authorizer (describeAcls: SecurityDisabledException): every principal may do everything");
        } else if (!anonymous.isEmpty()) {
            warnings.add("clients " + anonymous + " use the wave's resources without logging in to the proxy: their principals on the "
                + "target are unknown, so their ACLs were not checked");
        }
        ArrayNode rows = evidence.putArray("principals");
        if (acls.isPresent() && !needs.isEmpty()) {
            judge(target(acls.get(), warnings), needs, addresses, rows, problems);
        } else {
            needs.keySet().forEach(p -> rows.addObject().put("principal", p));
        }
        if (acls.isPresent()) {
            try {
                problems.addAll(proxyUser.check(wave, evidence));
            } catch (ClusterAdmins.ClusterCallException e) {
                problems.add("cannot read what the proxy's own user may do on the target: " + e.getMessage());
            }
        }
        evidence.set("problems", strings(problems));
        return new GateResult(GATE, TITLE, problems.isEmpty(), evidence, warnings,
            "Grant each principal named what it lacks on the target (kafka-acls.sh --bootstrap-server TARGET --add --allow-principal "
                + "User:NAME --operation OPERATION --topic/--group/--transactional-id NAME), or remove the DENY named; the proxy's own "
                + "user (clusters.target.security) needs what all of the wave's clients do through it. Then check again.");
    }

    /** Each need of each principal, from each address it came from: a row of evidence, and a problem when refused. */
    private static void judge(TargetAcls target, Map<String, List<PrincipalNeeds.Need>> needs, Map<String, Set<String>> addresses,
                              ArrayNode rows, List<String> problems) {
        needs.forEach((principal, list) -> {
            ArrayNode checked = rows.addObject().put("principal", principal).putArray("operations");
            Set<String> hosts = addresses.getOrDefault(principal, Set.of());
            for (PrincipalNeeds.Need n : list) {
                for (String host : hosts.isEmpty() ? Set.of(UNKNOWN_HOST) : hosts) {
                    TargetAcls.Verdict v = target.authorize("User:" + principal, host, n.type(), n.name(), n.operation());
                    checked.addObject().put("resource", n.resource()).put("operation", n.operation().name()).put("host", host)
                        .put("because", n.because()).put("allowed", v.allowed()).put("reason", v.reason());
                    if (!v.allowed()) {
                        problems.add("principal " + principal + " would lose " + n.operation() + " on " + n.resource() + " (it "
                            + n.because() + " on the source, from " + host + "): " + v.reason() + " on the target");
                    }
                }
            }
        });
    }

    /** What each principal must be allowed, from what its clients did with the wave's resources; principals that need nothing are left out. */
    private static Map<String, List<PrincipalNeeds.Need>> needs(Wave wave, WaveTransactionalIds moving,
                                                                List<PrincipalRecord.Snapshot> principals) {
        Map<String, List<PrincipalNeeds.Need>> out = new LinkedHashMap<>();
        Set<String> topics = new TreeSet<>(wave.topics());
        Set<String> groups = new TreeSet<>(wave.groups());
        for (PrincipalRecord.Snapshot p : principals) {
            List<PrincipalNeeds.Need> list = PrincipalNeeds.of(p, topics, groups, moving::matches);
            if (!list.isEmpty()) {
                out.put(p.principal(), list);
            }
        }
        return out;
    }

    private List<String> clientsWithoutPrincipal(Wave wave) {
        List<String> out = new ArrayList<>();
        for (ClientRecord.Snapshot c : inventory.snapshot()) {
            if (c.principal() == null && WaveClients.uses(wave, c)) {
                out.add(c.clientId() + " (" + c.address() + ")");
            }
        }
        return out;
    }

    private TargetAcls target(Set<AclBinding> acls, List<String> warnings) {
        Map<String, String> broker;
        try {
            broker = admins.brokerConfigs(ProxyConfig.TARGET, Set.of("super.users", "allow.everyone.if.no.acl.found"));
        } catch (ClusterAdmins.ClusterCallException e) {
            // Judged by the ACLs alone, a super user without ACLs is reported as lacking them: stricter, never laxer.
            warnings.add("cannot read the target's super.users and allow.everyone.if.no.acl.found (" + e.getMessage()
                + "): judged by the ACLs alone");
            broker = Map.of();
        }
        Set<String> superUsers = new TreeSet<>();
        for (String u : broker.getOrDefault("super.users", "").split(";")) {
            if (!u.isBlank()) {
                superUsers.add(u.trim());
            }
        }
        return new TargetAcls(acls, superUsers, Boolean.parseBoolean(broker.getOrDefault("allow.everyone.if.no.acl.found", "false")));
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        new LinkedHashSet<>(values).forEach(a::add);
        return a;
    }
}
