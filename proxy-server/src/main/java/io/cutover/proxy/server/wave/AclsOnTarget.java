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
 * came from, as the user the target sees for it under its identity mode ({@link TargetPrincipal}):
 * its mapped user, its own login, or under service the proxy's own user. The target's ACLs covering
 * those resources are read once, and Kafka's authorizer rules applied to them ({@link TargetAcls}),
 * with the broker's super.users and allow.everyone.if.no.acl.found. The proxy's own user there is
 * checked too ({@link ProxyUserOnTarget}): for everything the clients do under service, for DESCRIBE
 * otherwise. A target without an authorizer passes, saying so.
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
    private final TargetPrincipal seen;
    /** Whom the source sees for each principal: an operation the source refused it too is not one it would lose. */
    private final TargetPrincipal seenOnSource;

    AclsOnTarget(ClusterAdmins admins, ClientInventory inventory, TargetPrincipal seen, TargetPrincipal seenOnSource) {
        this.admins = admins;
        this.inventory = inventory;
        this.seen = seen;
        this.seenOnSource = seenOnSource;
        this.proxyUser = new ProxyUserOnTarget(admins, inventory, seen.shared());
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
        evidence.put("identity", seen.mode().configName());
        List<String> anonymous = clientsWithoutPrincipal(wave);
        if (acls.isEmpty()) {
            evidence.put("note", "the target has no authorizer (describeAcls: SecurityDisabledException): every principal may do everything");
        } else if (!anonymous.isEmpty() && !seen.shared()) {
            // Under service their requests reach the target as the proxy's own user, which is judged for them below.
            warnings.add("clients " + anonymous + " use the wave's resources without logging in to the proxy: their principals on the "
                + "target are unknown, so their ACLs were not checked");
        }
        ArrayNode rows = evidence.putArray("principals");
        if (acls.isPresent() && !needs.isEmpty()) {
            judge(target(acls.get(), warnings), seen, source(resources), needs, addresses, rows, problems, warnings);
        } else {
            needs.keySet().forEach(p -> row(rows, seen, p));
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
            "Grant the user the target sees for each principal named (its targetPrincipal: under identity mapped its user in "
                + "identity.mapping-file) what it lacks on the target (kafka-acls.sh --bootstrap-server TARGET --add --allow-principal "
                + "User:NAME --operation OPERATION --topic/--group/--transactional-id NAME), or remove the DENY named; the proxy's own "
                + "user (clusters.target.security) needs what all of the wave's clients do through it under identity service, and "
                + "DESCRIBE on the same resources under mapped and passthrough. Then check again.");
    }

    /**
     * Each need of each principal, from each address it came from, judged for the user the target
     * sees for it: a row of evidence, and a problem when refused. Under service that user is the
     * proxy's own for every client, so a client principal's own ACLs on the target decide nothing and
     * are not required: the proxy's user is judged for the topics and groups by the target's own
     * authorizer ({@link ProxyUserOnTarget}), and here, by the ACLs, for the transactional ids, which
     * the authorizer does not report on. It connects from the proxy's address, not the client's,
     * which the proxy does not know as the target sees it: only ACLs for every host count for it.
     */
    static void judge(TargetAcls target, TargetPrincipal seen, Map<String, List<PrincipalNeeds.Need>> needs,
                      Map<String, Set<String>> addresses, ArrayNode rows, List<String> problems) {
        judge(target, seen, null, needs, addresses, rows, problems, new ArrayList<>());
    }

    /** The source's ACLs and whom it sees for each principal; null when the source has no authorizer or its ACLs cannot be read. */
    record SourceAcls(TargetAcls acls, TargetPrincipal seen) {
        /** True when the source too refuses {@code principal} the operation: the client was refused there, it loses nothing. */
        boolean refuses(String principal, String host, PrincipalNeeds.Need n) {
            Optional<String> user = seen.userFor(principal);
            return user.isPresent() && !seen.shared()
                && !acls.authorize("User:" + user.get(), host, n.type(), n.name(), n.operation()).allowed();
        }
    }

    /**
     * As above; with {@code source} not null, an operation the target refuses is a problem only when
     * the source allows it: a client the source refused too (a misconfigured application retrying,
     * say) was recorded as using the resource but never had the right, so the switch takes none away.
     * That case is a warning.
     */
    static void judge(TargetAcls target, TargetPrincipal seen, SourceAcls source, Map<String, List<PrincipalNeeds.Need>> needs,
                      Map<String, Set<String>> addresses, ArrayNode rows, List<String> problems, List<String> warnings) {
        needs.forEach((principal, list) -> {
            ObjectNode row = row(rows, seen, principal);
            Optional<String> user = seen.userFor(principal);
            if (user.isEmpty()) {
                if (seen.shared()) {
                    row.put("note", "the target sees the proxy's own user for it (identity service), whose name the proxy does not know "
                        + "(a TLS client certificate): judged under proxyUser, transactional ids not checked");
                } else {
                    problems.add("principal " + principal + " has no user on the target in identity.mapping-file (identity mapped): its "
                        + "logins on the target's ports would be refused once the wave switches");
                }
                return;
            }
            List<PrincipalNeeds.Need> judged = list;
            Set<String> hosts = addresses.getOrDefault(principal, Set.of());
            if (seen.shared()) {
                row.put("note", "the target sees the proxy's own user for it (identity service): its topics and groups are judged under "
                    + "proxyUser");
                judged = list.stream().filter(n -> n.type() == ResourceType.TRANSACTIONAL_ID).toList();
                hosts = Set.of();
            }
            ArrayNode checked = row.putArray("operations");
            for (PrincipalNeeds.Need n : judged) {
                for (String host : hosts.isEmpty() ? Set.of(UNKNOWN_HOST) : hosts) {
                    TargetAcls.Verdict v = target.authorize("User:" + user.get(), host, n.type(), n.name(), n.operation());
                    ObjectNode op = checked.addObject().put("resource", n.resource()).put("operation", n.operation().name())
                        .put("host", host).put("because", n.because()).put("allowed", v.allowed()).put("reason", v.reason());
                    if (!v.allowed() && source != null && source.refuses(principal, host, n)) {
                        op.put("allowedOnSource", false);
                        warnings.add("principal " + seen.describe(principal) + " is refused " + n.operation() + " on " + n.resource()
                            + " on the source too (it " + n.because() + " there, from " + host + "): not required on the target");
                    } else if (!v.allowed()) {
                        problems.add("principal " + seen.describe(principal) + " would lose " + n.operation() + " on " + n.resource()
                            + " (it " + n.because() + " on the source, from " + host + "): " + v.reason() + " on the target");
                    }
                }
            }
        });
    }

    /** A principal's row: the name it logged in to the proxy with, and the user the target sees for it. */
    private static ObjectNode row(ArrayNode rows, TargetPrincipal seen, String principal) {
        ObjectNode row = rows.addObject().put("principal", principal);
        seen.userFor(principal).ifPresent(u -> row.put("targetPrincipal", "User:" + u));
        return row;
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

    /**
     * The source's ACLs over the same resources, to tell what a principal was refused there too;
     * null (every refusal on the target counts) when the source has no authorizer or cannot be read.
     */
    private SourceAcls source(Set<ResourcePatternFilter> resources) {
        if (resources.isEmpty()) {
            return null;
        }
        try {
            Optional<Set<AclBinding>> acls = admins.aclsCovering(ProxyConfig.SOURCE, resources);
            if (acls.isEmpty()) {
                return null;
            }
            Map<String, String> broker = admins.brokerConfigs(ProxyConfig.SOURCE, Set.of("super.users", "allow.everyone.if.no.acl.found"));
            return new SourceAcls(acls(acls.get(), broker), seenOnSource);
        } catch (ClusterAdmins.ClusterCallException e) {
            // Without the source's view, every refusal on the target counts: stricter, never laxer.
            return null;
        }
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
        return acls(acls, broker);
    }

    private static TargetAcls acls(Set<AclBinding> acls, Map<String, String> broker) {
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
