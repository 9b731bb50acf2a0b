package io.cutover.proxy.server.wave;

import io.cutover.proxy.server.config.ClusterConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.apache.kafka.common.resource.ResourcePatternFilter;

/**
 * The proxy's own Admin clients, one per cluster, for what waves need to know and do: partitions,
 * configs, end offsets, groups and their committed offsets. Never on the request path.
 */
public final class ClusterAdmins implements AutoCloseable {
    private final Map<String, Admin> admins = new LinkedHashMap<>();
    private final Duration timeout;
    private final PartitionTails tails;

    public ClusterAdmins(Collection<ClusterConfig> clusters, Duration timeout) {
        this.timeout = timeout;
        this.tails = new PartitionTails(clusters, timeout);
        for (ClusterConfig c : clusters) {
            Properties p = new Properties();
            p.putAll(c.security().clientProperties());
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServersString());
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "cutover-proxy-waves-" + c.name());
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
            admins.put(c.name(), Admin.create(p));
        }
    }

    /** The last records of partitions, for transactional topics, whose logs end with markers. */
    PartitionTails tails() {
        return tails;
    }

    Admin admin(String cluster) {
        return admins.get(cluster);
    }

    private <T> T get(KafkaFuture<T> f, String what) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClusterCallException(what + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new ClusterCallException(what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new ClusterCallException(what + ": no answer within " + timeout.toMillis() + " ms", e);
        }
    }

    /** Partition counts of the topics that exist on {@code cluster}; missing topics are left out. */
    public Map<String, Integer> partitions(String cluster, Collection<String> topics) {
        Map<String, Integer> out = new LinkedHashMap<>();
        var described = admin(cluster).describeTopics(topics).topicNameValues();
        for (String t : topics) {
            try {
                TopicDescription d = get(described.get(t), "describe " + t + " on " + cluster);
                out.put(t, d.partitions().size());
            } catch (ClusterCallException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return out;
    }

    /**
     * The ACL bindings of {@code cluster} that cover any of {@code resources} (literal, wildcard and
     * prefixed patterns, as the filter's MATCH type finds them: one call per resource, in parallel, so
     * only what the gate asks about is read); empty when the cluster has no authorizer.
     */
    public Optional<Set<AclBinding>> aclsCovering(String cluster, Collection<ResourcePatternFilter> resources) {
        List<KafkaFuture<Collection<AclBinding>>> calls = new ArrayList<>();
        for (ResourcePatternFilter r : resources) {
            calls.add(admin(cluster).describeAcls(new AclBindingFilter(r, AccessControlEntryFilter.ANY)).values());
        }
        Set<AclBinding> out = new LinkedHashSet<>();
        try {
            for (KafkaFuture<Collection<AclBinding>> f : calls) {
                out.addAll(get(f, "describe ACLs on " + cluster));
            }
        } catch (ClusterCallException e) {
            if (e.getCause() instanceof SecurityDisabledException) {
                return Optional.empty();
            }
            throw e;
        }
        return Optional.of(out);
    }

    /** Settings of one of {@code cluster}'s brokers (static ones included), by name; a setting not found is left out. */
    public Map<String, String> brokerConfigs(String cluster, Set<String> names) {
        var nodes = get(admin(cluster).describeCluster().nodes(), "describe " + cluster);
        if (nodes.isEmpty()) {
            return Map.of();
        }
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodes.iterator().next().id()));
        Config config = get(admin(cluster).describeConfigs(List.of(broker)).all(), "describe broker configs on " + cluster).get(broker);
        Map<String, String> out = new HashMap<>();
        for (ConfigEntry e : config.entries()) {
            if (names.contains(e.name()) && e.value() != null) {
                out.put(e.name(), e.value());
            }
        }
        return out;
    }

    /**
     * What the proxy's own user may do on each of {@code topics} of {@code cluster}, as the broker's
     * authorizer reports it (KIP-430): a topic it may not even describe gets no operation, a topic
     * that does not exist is left out, and so is one the broker reports nothing for (no authorizer).
     */
    public Map<String, Set<AclOperation>> ownTopicOperations(String cluster, Collection<String> topics) {
        Map<String, Set<AclOperation>> out = new LinkedHashMap<>();
        var described = admin(cluster).describeTopics(topics, new DescribeTopicsOptions().includeAuthorizedOperations(true))
            .topicNameValues();
        for (String t : topics) {
            try {
                Set<AclOperation> ops = get(described.get(t), "describe " + t + " on " + cluster).authorizedOperations();
                if (ops != null) {
                    out.put(t, ops);
                }
            } catch (ClusterCallException e) {
                if (e.getCause() instanceof TopicAuthorizationException) {
                    out.put(t, Set.of());
                } else if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        }
        return out;
    }

    /** The same for consumer groups: a group the broker knows nothing about, or reports nothing for, is left out. */
    public Map<String, Set<AclOperation>> ownGroupOperations(String cluster, Collection<String> groups) {
        Map<String, Set<AclOperation>> out = new LinkedHashMap<>();
        var described = admin(cluster).describeConsumerGroups(groups, new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
            .describedGroups();
        for (String g : groups) {
            try {
                Set<AclOperation> ops = get(described.get(g), "describe group " + g + " on " + cluster).authorizedOperations();
                if (ops != null) {
                    out.put(g, ops);
                }
            } catch (ClusterCallException e) {
                if (e.getCause() instanceof GroupAuthorizationException) {
                    out.put(g, Set.of());
                } else if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
            }
        }
        return out;
    }

    /** Every client quota set on {@code cluster}, default entities included. */
    public Map<ClientQuotaEntity, Map<String, Double>> clientQuotas(String cluster) {
        return get(admin(cluster).describeClientQuotas(ClientQuotaFilter.all()).entities(), "describe client quotas on " + cluster);
    }

    /**
     * The coordinator state of a transaction a switch could split: begun and not yet ended by its
     * producer. One preparing its commit or abort has had its EndTxn answered; its coordinator
     * finishes it wherever the id goes next.
     */
    private static final List<org.apache.kafka.clients.admin.TransactionState> IN_PROGRESS = List.of(
        org.apache.kafka.clients.admin.TransactionState.ONGOING);

    /**
     * The transactions in progress on {@code cluster}'s coordinators of the ids in {@code exact} or
     * starting with one of {@code prefixes}, each with the topics its coordinator has in it (none
     * for one that so far only wrote group offsets). Exact ids are asked of their coordinators only
     * (DescribeTransactions); prefixes need ListTransactions, which every broker must answer.
     */
    public Map<String, Set<String>> transactionsInProgress(String cluster, Collection<String> exact, Collection<String> prefixes) {
        Set<String> ids = new java.util.TreeSet<>(exact);
        if (!prefixes.isEmpty()) {
            get(admin(cluster).listTransactions(new org.apache.kafka.clients.admin.ListTransactionsOptions().filterStates(IN_PROGRESS)).all(),
                "list transactions on " + cluster).stream().map(org.apache.kafka.clients.admin.TransactionListing::transactionalId)
                .filter(id -> prefixes.stream().anyMatch(id::startsWith)).forEach(ids::add);
        }
        Map<String, Set<String>> out = new java.util.TreeMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        var described = admin(cluster).describeTransactions(ids);
        for (String id : ids) {
            org.apache.kafka.clients.admin.TransactionDescription d;
            try {
                d = get(described.description(id), "describe transaction " + id + " on " + cluster);
            } catch (ClusterCallException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.TransactionalIdNotFoundException) {
                    continue; // never initialised there, or expired: nothing in progress
                }
                throw e;
            }
            if (IN_PROGRESS.contains(d.state())) {
                Set<String> topics = new java.util.TreeSet<>();
                d.topicPartitions().forEach(tp -> topics.add(tp.topic()));
                out.put(id, topics);
            }
        }
        return out;
    }

    /** The names of the (non-internal) topics on {@code cluster}. */
    public Set<String> topicNames(String cluster) {
        return get(admin(cluster).listTopics().names(), "list topics on " + cluster);
    }

        /** Topic configs set explicitly (not defaults) on {@code cluster}. */
    public Map<String, Map<String, String>> configs(String cluster, Collection<String> topics) {
        Map<String, Map<String, String>> out = new HashMap<>();
        var resources = topics.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, Config> configs = get(admin(cluster).describeConfigs(resources).all(), "describe configs on " + cluster);
        configs.forEach((r, cfg) -> {
            Map<String, String> set = new java.util.TreeMap<>();
            for (ConfigEntry e : cfg.entries()) {
                if (e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG) {
                    set.put(e.name(), e.value());
                }
            }
            out.put(r.name(), set);
        });
        return out;
    }

    public Map<TopicPartition, Long> endOffsets(String cluster, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        partitions.forEach(tp -> spec.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        get(admin(cluster).listOffsets(spec).all(), "end offsets on " + cluster).forEach((tp, r) -> out.put(tp, r.offset()));
        return out;
    }

    /** Every group on {@code cluster} with its committed offsets for {@code topics} (groups with none are left out). */
    public Map<String, Map<TopicPartition, Long>> groupsReading(String cluster, Set<String> topics) {
        Map<String, Map<TopicPartition, Long>> out = new java.util.TreeMap<>();
        var listings = get(admin(cluster).listGroups().all(), "list groups on " + cluster);
        for (var g : listings) {
            if (g.type().isPresent() && g.type().get() == org.apache.kafka.common.GroupType.SHARE) {
                continue;
            }
            Map<TopicPartition, Long> offsets = committed(cluster, g.groupId(), topics);
            if (!offsets.isEmpty()) {
                out.put(g.groupId(), offsets);
            }
        }
        return out;
    }

    /**
     * The offsets {@code group} committed on {@code cluster} for {@code topics}; empty when it has
     * none (or does not exist). A failure to read them throws, naming the group and the error: a
     * switch must not carry a group as if it had committed nothing.
     */
    public Map<TopicPartition, Long> committed(String cluster, String group, Set<String> topics) {
        Map<TopicPartition, OffsetAndMetadata> all;
        try {
            all = get(admin(cluster).listConsumerGroupOffsets(Map.of(group, new ListConsumerGroupOffsetsSpec())).partitionsToOffsetAndMetadata(group),
                "cannot read the committed offsets of group " + group + " on " + cluster);
        } catch (ClusterCallException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return Map.of(); // no such group: nothing committed, which is an answer, not a failure
            }
            throw e;
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        all.forEach((tp, om) -> {
            if (om != null && topics.contains(tp.topic())) {
                out.put(tp, om.offset());
            }
        });
        return out;
    }

    /**
     * The offsets each of {@code groups} committed on {@code cluster} for {@code topics}, read at
     * once (one request per coordinator); a group with none, or unknown there, maps to an empty map.
     * A failure to read any group throws, naming it.
     */
    public Map<String, Map<TopicPartition, Long>> committed(String cluster, Collection<String> groups, Set<String> topics) {
        Map<String, ListConsumerGroupOffsetsSpec> specs = new LinkedHashMap<>();
        groups.forEach(g -> specs.put(g, new ListConsumerGroupOffsetsSpec()));
        Map<String, Map<TopicPartition, Long>> out = new LinkedHashMap<>();
        if (specs.isEmpty()) {
            return out;
        }
        var result = admin(cluster).listConsumerGroupOffsets(specs);
        for (String group : groups) {
            Map<TopicPartition, OffsetAndMetadata> all;
            try {
                all = get(result.partitionsToOffsetAndMetadata(group), "cannot read the committed offsets of group " + group + " on " + cluster);
            } catch (ClusterCallException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                all = Map.of();
            }
            Map<TopicPartition, Long> mine = new HashMap<>();
            all.forEach((tp, om) -> {
                if (om != null && topics.contains(tp.topic())) {
                    mine.put(tp, om.offset());
                }
            });
            out.put(group, mine);
        }
        return out;
    }

    /**
     * The groups of {@code groups} that have members on {@code cluster}. Describing them also finds
     * their coordinators there (and makes a cluster that never had a group create its offsets topic),
     * which is why a switch does it before its fence.
     */
    public Set<String> withMembers(String cluster, Collection<String> groups) {
        Set<String> out = new java.util.TreeSet<>();
        if (groups.isEmpty()) {
            return out;
        }
        var described = admin(cluster).describeConsumerGroups(groups).describedGroups();
        for (String g : groups) {
            try {
                if (!get(described.get(g), "describe group " + g + " on " + cluster).members().isEmpty()) {
                    out.add(g);
                }
            } catch (ClusterCallException e) {
                if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                    throw e;
                }
                // unknown there: no members (the coordinator lookup has been made all the same)
            }
        }
        return out;
    }

    /**
     * Removes every member of {@code group} on {@code cluster}: those a moved group left behind, gone for good.
     * The admin client describes the group, then removes each member it saw; one that left in between
     * fails the whole call (UNKNOWN_MEMBER_ID), though what is asked, no member left, holds. So a
     * failure is looked at again: none left is success, and members still there are removed once more.
     */
    public void removeMembers(String cluster, String group) {
        for (int attempt = 1; ; attempt++) {
            try {
                get(admin(cluster).removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all(),
                    "remove the members " + group + " left on " + cluster);
                return;
            } catch (ClusterCallException e) {
                if (withMembers(cluster, List.of(group)).isEmpty()) {
                    return;
                }
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Commits several groups' offsets on {@code cluster} at once, each as {@link #commit} does. */
    public void commitAll(String cluster, Map<String, Map<TopicPartition, Long>> offsets) {
        Map<String, KafkaFuture<Void>> sent = new LinkedHashMap<>();
        offsets.forEach((group, o) -> sent.put(group, admin(cluster).alterConsumerGroupOffsets(group, withMetadata(o)).all()));
        for (Map.Entry<String, KafkaFuture<Void>> e : sent.entrySet()) {
            try {
                get(e.getValue(), "commit offsets of " + e.getKey() + " on " + cluster);
            } catch (ClusterCallException failed) {
                commit(cluster, e.getKey(), offsets.get(e.getKey())); // the slow path: members left behind, removed, then again
            }
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> withMetadata(Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> om = new HashMap<>();
        offsets.forEach((tp, o) -> om.put(tp, new OffsetAndMetadata(o, java.util.Optional.empty(), "cutover-proxy wave")));
        return om;
    }

    /**
     * Writes a group's offsets on {@code cluster}. The group must have no members there; members a
     * moved group left behind (a classic member lingers until its session times out) are removed first.
     */
    public void commit(String cluster, String group, Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> om = withMetadata(offsets);
        try {
            get(admin(cluster).alterConsumerGroupOffsets(group, om).all(), "commit offsets of " + group + " on " + cluster);
        } catch (ClusterCallException e) {
            // The group still has members here: those its clients left behind when they moved away
            // (GroupNotEmpty, or per-partition failures naming the partitions). They are gone for good,
            // so they are removed and the commit is tried once more.
            try {
                removeMembers(cluster, group);
            } catch (ClusterCallException removal) {
                throw new ClusterCallException(e.getMessage() + "; removing the members left behind failed too: " + removal.getMessage(),
                    e.getCause());
            }
            get(admin(cluster).alterConsumerGroupOffsets(group, om).all(), "commit offsets of " + group + " on " + cluster);
        }
    }

    @Override
    public void close() {
        admins.values().forEach(a -> a.close(Duration.ofSeconds(2)));
        tails.close();
    }

    /** A cluster call failed or timed out; the message says which call on which cluster. */
    public static final class ClusterCallException extends RuntimeException {
        ClusterCallException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
