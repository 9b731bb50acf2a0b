package io.cutover.proxy.server.wave;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.inventory.ConsumerFacts;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.wave.GateResult;
import io.cutover.proxy.core.wave.OffsetMapping;
import io.cutover.proxy.core.wave.Wave;
import io.cutover.proxy.core.wave.WaveClients;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.route.OpenTransactions;
import io.cutover.proxy.server.upstream.ClusterLink;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A wave's readiness gates, computed from live data each time: topics on the target, replication
 * lag, groups that read the wave's topics, API versions, open transactions, the target's ACLs and
 * quotas for the principals that use the wave. Each comes with its evidence, so an operator sees
 * why, not only whether.
 */
public final class WaveGates {
    private static final Logger LOG = LoggerFactory.getLogger(WaveGates.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The one gate a forced switch may pass over. */
    public static final String CONSUMERS_WITHOUT_GROUP = "consumers-without-group";
    /** Topic configs whose difference between the clusters is worth a warning. */
    private static final Set<String> COMPARED_CONFIGS = Set.of("cleanup.policy", "retention.ms", "retention.bytes",
        "min.insync.replicas", "max.message.bytes", "compression.type", "message.timestamp.type");

    private final ClusterAdmins admins;
    private final OffsetMapping mapping;
    private final OffsetSyncReader syncs;
    private final ClientObservations observations;
    private final OpenTransactions transactions;
    private final ClusterLink targetLink;
    private final long maxReadyLag;
    private final ClientInventory inventory;
    private volatile Supplier<ConsumerFacts> consumers;
    private final AclsOnTarget acls;
    private final QuotasOnTarget quotas;
    private final AbortedOnTarget aborted;

    public WaveGates(ClusterAdmins admins, OffsetMapping mapping, OffsetSyncReader syncs, ClientObservations observations,
                     OpenTransactions transactions, ClusterLink targetLink, long maxReadyLag, ClientInventory inventory,
                     TargetPrincipal seenOnTarget, TargetPrincipal seenOnSource) {
        this.inventory = inventory;
        this.consumers = () -> inventory.consumerFacts("this");
        this.admins = admins;
        this.mapping = mapping;
        this.syncs = syncs;
        this.observations = observations;
        this.transactions = transactions;
        this.targetLink = targetLink;
        this.maxReadyLag = maxReadyLag;
        this.acls = new AclsOnTarget(admins, inventory, seenOnTarget, seenOnSource);
        this.quotas = new QuotasOnTarget(admins, inventory, seenOnTarget);
        this.aborted = new AbortedOnTarget(admins);
    }

    /** Where the consumers-without-group gate learns who joined a group: in a fleet, every live instance. */
    public void consumersFrom(Supplier<ConsumerFacts> facts) {
        this.consumers = facts;
    }

    public List<GateResult> check(Wave wave, RouteTable current) {
        List<GateResult> gates = new ArrayList<>();
        Map<String, Integer> sourcePartitions = admins.partitions(ProxyConfig.SOURCE, wave.topics());
        gates.add(topicsOnTarget(wave, sourcePartitions));
        gates.add(replication(wave, sourcePartitions));
        gates.add(aborted.check(partitions(sourcePartitions)));
        gates.add(groups(wave));
        gates.add(consumersWithoutGroup(wave));
        gates.add(apiVersions());
        gates.add(openTransactions(wave, current));
        gates.add(clients(wave));
        gates.add(rehearsal(wave));
        WaveTransactionalIds moving = WaveTransactionalIds.of(wave, inventory);
        gates.add(acls.check(wave, moving));
        gates.add(quotas.check(wave, moving));
        return gates;
    }

    /** The last compatibility rehearsal's verdict; a wave never rehearsed passes with a warning saying so. */
    private GateResult rehearsal(Wave wave) {
        ObjectNode evidence = JSON.createObjectNode();
        JsonNode r = wave.rehearsal();
        if (r == null) {
            return new GateResult("compatibility-rehearsal", "Recent traffic of the wave's clients replays cleanly against the target",
                true, evidence, List.of("not rehearsed yet: rehearse the wave to replay captured traffic against the target"),
                "");
        }
        evidence.put("at", r.path("at").asText());
        evidence.put("capture", r.path("capture").asText());
        evidence.set("findings", r.path("findings"));
        evidence.set("problems", r.path("findings"));
        return new GateResult("compatibility-rehearsal", "Recent traffic of the wave's clients replays cleanly against the target",
            r.path("passed").asBoolean(), evidence, List.of(),
            "Fix what the findings name on the target (create the topic, add partitions, upgrade, grant the ACL), then rehearse again.");
    }

    /**
     * Which clients the wave moves, from the inventory. A client that writes or reads the wave's
     * topics but falls outside its selector stays on the source for them: a warning, by name.
     */
    private GateResult clients(Wave wave) {
        ObjectNode evidence = JSON.createObjectNode();
        ArrayNode moving = evidence.putArray("moving");
        List<String> warnings = new ArrayList<>();
        for (ClientRecord.Snapshot c : inventory.snapshot()) {
            if (!WaveClients.uses(wave, c)) {
                continue;
            }
            if (WaveClients.selected(wave, c)) {
                ObjectNode m = moving.addObject();
                m.put("clientId", c.clientId());
                m.put("address", c.address());
                m.put("software", (c.softwareName() == null ? "?" : c.softwareName()) + " " + (c.softwareVersion() == null ? "" : c.softwareVersion()));
                if (c.oldScramNonce()) {
                    warnings.add("client " + c.clientId() + " (" + c.address() + ") logs in with the SCRAM nonce of librdkafka before 2.6.1, "
                        + "which the proxy accepts (listener.sasl.accept-old-librdkafka-nonce) but a Kafka 4.x broker refuses: it must "
                        + "go through the proxy, or be upgraded to librdkafka 2.6.1 or later before it connects to a 4.x target directly");
                }
            } else {
                warnings.add("client " + c.clientId() + " (" + c.address() + ") uses the wave's topics or groups but is outside the wave's "
                    + "clients selector: it stays on the source for them");
            }
        }
        ApplicationSplits.check(wave, inventory.applications(), () -> admins.topicNames(ProxyConfig.SOURCE), evidence, warnings);
        return new GateResult("clients-in-wave", "The clients the wave moves (from the client inventory)", true, evidence, warnings,
            "");
    }

    private GateResult topicsOnTarget(Wave wave, Map<String, Integer> sourcePartitions) {
        Map<String, Integer> targetPartitions = admins.partitions(ProxyConfig.TARGET, wave.topics());
        ObjectNode evidence = JSON.createObjectNode();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (String t : wave.topics()) {
            ObjectNode e = evidence.putObject(t);
            Integer s = sourcePartitions.get(t);
            Integer g = targetPartitions.get(t);
            e.put("sourcePartitions", s == null ? -1 : s);
            e.put("targetPartitions", g == null ? -1 : g);
            if (s == null) {
                problems.add(t + " does not exist on the source");
            } else if (g == null) {
                problems.add(t + " does not exist on the target");
            } else if (g < s) {
                problems.add(t + " has " + g + " partitions on the target, fewer than the source's " + s);
            }
        }
        List<String> both = wave.topics().stream().filter(t -> sourcePartitions.containsKey(t) && targetPartitions.containsKey(t)).toList();
        if (!both.isEmpty()) {
            Map<String, Map<String, String>> sc = admins.configs(ProxyConfig.SOURCE, both);
            Map<String, Map<String, String>> tc = admins.configs(ProxyConfig.TARGET, both);
            for (String t : both) {
                for (String key : new java.util.TreeSet<>(COMPARED_CONFIGS)) {
                    String a = sc.getOrDefault(t, Map.of()).get(key);
                    String b = tc.getOrDefault(t, Map.of()).get(key);
                    if (!java.util.Objects.equals(a, b)) {
                        warnings.add(t + ": " + key + " is " + (a == null ? "default" : a) + " on the source, "
                            + (b == null ? "default" : b) + " on the target");
                    }
                }
            }
        }
        evidence.set("problems", strings(problems));
        return new GateResult("topics-on-target", "The wave's topics exist on the target with at least as many partitions",
            problems.isEmpty(), evidence, warnings,
            "Create the missing topics on the target (or let the replicator create them) with at least the source's partition count.");
    }

    private static List<TopicPartition> partitions(Map<String, Integer> sourcePartitions) {
        List<TopicPartition> tps = new ArrayList<>();
        sourcePartitions.forEach((t, n) -> {
            for (int p = 0; p < n; p++) {
                tps.add(new TopicPartition(t, p));
            }
        });
        return tps;
    }

    private GateResult replication(Wave wave, Map<String, Integer> sourcePartitions) {
        List<TopicPartition> tps = partitions(sourcePartitions);
        ObjectNode evidence = JSON.createObjectNode();
        evidence.put("mapping", mapping.configName());
        evidence.put("maxReadyLag", maxReadyLag);
        ArrayNode rows = evidence.putArray("partitions");
        List<String> problems = new ArrayList<>();
        if (tps.isEmpty()) {
            problems.add("no partition of the wave's topics exists on the source");
        } else {
            Map<TopicPartition, Long> sourceEnds = admins.endOffsets(ProxyConfig.SOURCE, tps);
            Map<String, Integer> onTarget = admins.partitions(ProxyConfig.TARGET, wave.topics());
            List<TopicPartition> targetTps = tps.stream()
                .filter(tp -> onTarget.containsKey(tp.topic()) && tp.partition() < onTarget.get(tp.topic())).toList();
            Map<TopicPartition, Long> targetEnds = targetTps.isEmpty() ? Map.of() : admins.endOffsets(ProxyConfig.TARGET, targetTps);
            for (TopicPartition tp : tps) {
                long se = sourceEnds.getOrDefault(tp, 0L);
                Long te = targetEnds.get(tp);
                long through = te == null ? -1 : mapping.replicatedThrough(syncs == null ? null : syncs.syncs(tp), te);
                long lag = through < 0 ? -1 : Math.max(0, se - through);
                ObjectNode r = rows.addObject();
                r.put("partition", tp.toString());
                r.put("sourceEnd", se);
                r.put("targetEnd", te == null ? -1 : te);
                r.put("replicatedThrough", through);
                r.put("lag", lag);
                if (te == null) {
                    problems.add(tp + " is not on the target");
                } else if (through < 0) {
                    problems.add(tp + ": no offset sync from MirrorMaker 2 yet, so the replicated position is unknown");
                } else if (lag > maxReadyLag) {
                    problems.add(tp + " lags " + lag + " records (more than waves.max-ready-lag " + maxReadyLag + ")");
                }
            }
        }
        if (problems.isEmpty() && mapping == OffsetMapping.MIRRORMAKER2) {
            warmTails(tps.get(0));
        }
        evidence.set("problems", strings(problems));
        return new GateResult("replication-caught-up", "Replication to the target has caught up", problems.isEmpty(), evidence, List.of(),
            mapping == OffsetMapping.MIRRORMAKER2
                ? "Check MirrorMaker 2 replicates these topics (topics regex, IdentityReplicationPolicy, offset-syncs topic "
                + "waves.mirrormaker2.offset-syncs-topic) and wait for the lag to fall."
                : "Wait for the replicator to catch up.");
    }

    /**
     * A switch reads partitions' last records with one consumer per cluster. Connecting it while
     * the wave is checked, not when the operator switches, keeps a slow new connection (a broker
     * under load, a TLS handshake) out of the switch; the switch still connects if this failed.
     */
    private void warmTails(TopicPartition tp) {
        try {
            admins.tails().warm(ProxyConfig.SOURCE, tp);
            admins.tails().warm(ProxyConfig.TARGET, tp);
        } catch (RuntimeException e) {
            LOG.debug("could not connect the switch's partition readers yet: {}", e.toString());
        }
    }

    private GateResult groups(Wave wave) {
        Set<String> topics = new HashSet<>(wave.topics());
        Map<String, Map<TopicPartition, Long>> reading = admins.groupsReading(ProxyConfig.SOURCE, topics);
        ObjectNode evidence = JSON.createObjectNode();
        ObjectNode found = evidence.putObject("groupsReadingTheTopics");
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        reading.forEach((g, offsets) -> {
            Set<String> read = new java.util.TreeSet<>();
            offsets.keySet().forEach(tp -> read.add(tp.topic()));
            found.set(g, strings(new ArrayList<>(read)));
            if (!wave.groups().contains(g)) {
                problems.add("group " + g + " reads " + read + " but is not in the wave");
            }
        });
        for (String g : wave.groups()) {
            if (!reading.containsKey(g)) {
                warnings.add("group " + g + " has no committed offsets for the wave's topics on the source");
            }
        }
        evidence.set("problems", strings(problems));
        return new GateResult("groups-in-wave", "Every consumer group reading the wave's topics moves with it", problems.isEmpty(),
            evidence, warnings, "Add the groups named to the wave (or move them first in their own wave).");
    }

    /**
     * Consumers that assign() partitions and keep their positions outside Kafka (Flink, Spark, ...)
     * resume from those positions after a switch. Under mirrormaker2 the target's offsets differ, so
     * they would skip or re-read records: the gate fails, naming them, and only a forced switch
     * (the operator has seen to them) goes ahead. Under identity mapping the positions stay valid.
     */
    private GateResult consumersWithoutGroup(Wave wave) {
        ConsumerFacts facts = consumers.get();
        Set<String> groupless = facts.groupless(new HashSet<>(wave.topics()));
        ObjectNode evidence = JSON.createObjectNode();
        evidence.put("mapping", mapping.configName());
        evidence.set("instances", strings(new ArrayList<>(facts.sources())));
        if (facts.truncated()) {
            evidence.put("truncated", "an instance knows more consumers than it shares (inventory.max-clients); some may be missing");
        }
        evidence.set("consumersWithoutGroup", strings(new ArrayList<>(groupless)));
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (!groupless.isEmpty()) {
            String what = "clients " + groupless + " fetch the wave's topics without a consumer group (assign() with offsets kept "
                + "outside Kafka)";
            if (mapping == OffsetMapping.MIRRORMAKER2) {
                problems.add(what + ": their offsets cannot be translated to the target under the mirrormaker2 mapping");
            } else {
                warnings.add(what + ": with identity mapping their stored offsets stay valid on the target");
            }
        }
        evidence.set("problems", strings(problems));
        return new GateResult(CONSUMERS_WITHOUT_GROUP, "No consumer of the wave's topics keeps its offsets outside Kafka",
            problems.isEmpty(), evidence, warnings, "Stop those consumers and have them start on the target from translated "
                + "offsets (or their own checkpoints mapped by hand), or use an offset-preserving replicator (waves.mapping = "
                + "identity); then switch with force, which overrides this gate alone.");
    }

    private GateResult apiVersions() {
        ObjectNode evidence = JSON.createObjectNode();
        List<String> problems = new ArrayList<>();
        ApiVersionsResponseData target = targetLink.apiVersions();
        Map<Short, short[]> used = observations.usedVersions();
        ObjectNode rows = evidence.putObject("used");
        used.forEach((key, range) -> {
            String name = ApiKeys.hasId(key) ? ApiKeys.forId(key).name : String.valueOf(key);
            ObjectNode r = rows.putObject(name);
            r.put("clientsMin", range[0]);
            r.put("clientsMax", range[1]);
            if (target == null) {
                return;
            }
            var v = target.apiKeys().find(key);
            if (v == null) {
                r.put("target", "absent");
                if (key != ApiKeys.API_VERSIONS.id) {
                    problems.add(name + " is used by clients (v" + range[0] + "-v" + range[1] + ") but the target does not offer it");
                }
            } else {
                r.put("targetMin", v.minVersion());
                r.put("targetMax", v.maxVersion());
                if (key != ApiKeys.API_VERSIONS.id && (range[1] > v.maxVersion() || range[0] < v.minVersion())) {
                    problems.add(name + " v" + range[0] + "-v" + range[1] + " used by clients; the target takes v" + v.minVersion()
                        + "-v" + v.maxVersion());
                }
            }
        });
        if (target == null) {
            problems.add("the target's ApiVersions are not known yet (is it reachable?)");
        }
        evidence.set("problems", strings(problems));
        return new GateResult("target-api-versions", "The target supports the API versions clients use", problems.isEmpty(), evidence,
            List.of(), "Upgrade the target, or pin the clients named to versions it supports.");
    }

    private GateResult openTransactions(Wave wave, RouteTable current) {
        WaveTransactionalIds moving = WaveTransactionalIds.of(wave, inventory);
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (OpenTransactions.Split s : transactions.splits(WaveRoutes.pointing(current, wave, moving, ProxyConfig.TARGET))) {
            if (moving.matches(s.transactionalId())) {
                warnings.add(s.reason() + ": the switch lets it end and holds the next one");
            } else {
                problems.add(s.reason());
            }
        }
        problems.addAll(transactionsSpanningTheWave(wave, moving));
        ObjectNode evidence = JSON.createObjectNode();
        evidence.set("moving", moving.toJson());
        evidence.set("open", strings(problems));
        evidence.set("problems", strings(problems));
        return new GateResult("no-open-transactions", "No transaction would be split by the wave", problems.isEmpty(), evidence,
            warnings, "Transactions of ids the wave does not move end by themselves; the switch waits up to routing.transaction-wait "
                + "for them. A transactional producer that also writes topics outside the wave must move with all of them: add them.");
    }

    /** A transactional id the wave moves whose client also writes topics the wave leaves behind: its transactions would span two clusters. */
    private List<String> transactionsSpanningTheWave(Wave wave, WaveTransactionalIds moving) {
        List<String> problems = new ArrayList<>();
        if (inventory == null || moving.isEmpty()) {
            return problems;
        }
        for (var client : inventory.snapshot()) {
            if (client.transactionalIds().stream().noneMatch(moving::matches)) {
                continue;
            }
            java.util.Set<String> outside = new java.util.TreeSet<>(client.produced());
            outside.removeAll(wave.topics());
            if (!outside.isEmpty()) {
                problems.add("transactional id " + String.join(", ", client.transactionalIds()) + " (client " + client.clientId()
                    + ") writes the wave's topics and also " + outside + ", which the wave leaves on the source: a transaction cannot "
                    + "span two clusters");
            }
        }
        return problems;
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.createArrayNode();
        new LinkedHashSet<>(values).forEach(a::add);
        return a;
    }

    static Map<String, Object> summary(List<GateResult> gates) {
        Map<String, Object> m = new TreeMap<>();
        gates.forEach(g -> m.put(g.gate(), g.passed()));
        return m;
    }
}
