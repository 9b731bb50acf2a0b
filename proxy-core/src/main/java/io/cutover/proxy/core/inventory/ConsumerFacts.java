package io.cutover.proxy.core.inventory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What a set of instances knows about each consumer, by client.id: whether it joined a group, which
 * topics it fetched, under which groups it committed. Behind a balancer one consumer's connections
 * land on different instances (its coordinator connection on one, a fetch connection on another),
 * so only the facts of every instance together say whether it reads without a group.
 *
 * <p>Keyed by client.id alone, not by address: behind a balancer every instance sees the balancer's
 * address, and the same consumer's connections may come from different ones.
 */
public final class ConsumerFacts {
    /** One consumer: a group's member (JoinGroup, SyncGroup or Heartbeat, or a KIP-848 or Streams heartbeat), fetched, committed under. */
    public record Consumer(boolean joins, Set<String> fetched, Set<String> groups) {
        public Consumer {
            fetched = Collections.unmodifiableSet(new TreeSet<>(fetched));
            groups = Collections.unmodifiableSet(new TreeSet<>(groups));
        }

        Consumer merge(Consumer o) {
            Set<String> f = new TreeSet<>(fetched);
            f.addAll(o.fetched);
            Set<String> g = new TreeSet<>(groups);
            g.addAll(o.groups);
            return new Consumer(joins || o.joins, f, g);
        }
    }

    private final Map<String, Consumer> byClientId;
    private final Set<String> sources;
    private final boolean truncated;

    private ConsumerFacts(Map<String, Consumer> byClientId, Set<String> sources, boolean truncated) {
        this.byClientId = Collections.unmodifiableMap(byClientId);
        this.sources = Collections.unmodifiableSet(sources);
        this.truncated = truncated;
    }

    /** The consumers among {@code clients} (those that fetched or joined), at most {@code max} of them. */
    public static ConsumerFacts of(String source, Collection<ClientRecord.Snapshot> clients, int max) {
        return of(source, clients, max, Integer.MAX_VALUE);
    }

    /**
     * As {@link #of(String, Collection, int)}, with at most {@code maxTopics} fetched topics and
     * groups told per consumer: what an instance shares must fit one record of the state topic.
     */
    public static ConsumerFacts of(String source, Collection<ClientRecord.Snapshot> clients, int max, int maxTopics) {
        Map<String, Consumer> out = new TreeMap<>();
        boolean truncated = false;
        for (ClientRecord.Snapshot s : clients) {
            boolean joins = isMember(s.apis());
            if (!joins && s.fetched().isEmpty()) {
                continue;
            }
            if (s.fetched().size() > maxTopics || s.groups().size() > maxTopics) {
                truncated = true;
            }
            Consumer c = new Consumer(joins, first(s.fetched(), maxTopics), first(s.groups(), maxTopics));
            if (out.containsKey(s.clientId())) {
                out.put(s.clientId(), out.get(s.clientId()).merge(c));
            } else if (out.size() < max) {
                out.put(s.clientId(), c);
            } else {
                truncated = true;
            }
        }
        return new ConsumerFacts(out, new TreeSet<>(Set.of(source)), truncated);
    }

    /**
     * Whether a client with these APIs is a group's member. A classic member's Heartbeat and
     * SyncGroup count as much as its JoinGroup: a member keeps its membership across a proxy restart
     * and never joins again, but it heartbeats every few seconds, so a restarted proxy (whose last
     * saved inventory may predate the join) knows it again within one heartbeat interval. A consumer
     * that assign()s its partitions sends none of them, even when it commits under a group id.
     */
    static boolean isMember(Set<String> apis) {
        return apis.contains(ApiKeys.JOIN_GROUP.name) || apis.contains(ApiKeys.SYNC_GROUP.name) || apis.contains(ApiKeys.HEARTBEAT.name)
            || apis.contains(ApiKeys.CONSUMER_GROUP_HEARTBEAT.name) || apis.contains(ApiKeys.STREAMS_GROUP_HEARTBEAT.name);
    }

    private static Set<String> first(Set<String> names, int n) {
        return names.size() <= n ? names : new TreeSet<>(names.stream().sorted().limit(n).toList());
    }

    /** These facts and {@code other}'s together: a consumer joins if it joined anywhere. */
    public ConsumerFacts merge(ConsumerFacts other) {
        Map<String, Consumer> out = new TreeMap<>(byClientId);
        other.byClientId.forEach((id, c) -> out.merge(id, c, Consumer::merge));
        Set<String> s = new TreeSet<>(sources);
        s.addAll(other.sources);
        return new ConsumerFacts(out, s, truncated || other.truncated);
    }

    /**
     * Client ids that fetched one of {@code topics} without ever joining a group: consumers that
     * assign() their partitions and resume from positions of their own (Flink, Spark and the like).
     * Some commit under a group id all the same, without joining it; they count too, since what they
     * resume from is their own checkpoint, which no offset carry can translate.
     */
    public Set<String> groupless(Set<String> topics) {
        Set<String> out = new TreeSet<>();
        byClientId.forEach((id, c) -> {
            if (!c.joins() && c.fetched().stream().anyMatch(topics::contains)) {
                out.add(c.groups().isEmpty() ? id : id + " (commits under " + String.join(", ", c.groups()) + " without joining)");
            }
        });
        return out;
    }

    /** The instances whose facts these are. */
    public Set<String> sources() {
        return sources;
    }

    /** Whether some instance had more consumers than it could tell about. */
    public boolean truncated() {
        return truncated;
    }

    public int size() {
        return byClientId.size();
    }

    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("truncated", truncated);
        ObjectNode all = root.putObject("consumers");
        byClientId.forEach((id, c) -> {
            ObjectNode n = all.putObject(id);
            n.put("joins", c.joins());
            c.fetched().forEach(n.putArray("fetched")::add);
            c.groups().forEach(n.putArray("groups")::add);
        });
        return root;
    }

    /** Reads {@link #toJson()}'s form, as written by instance {@code source}; what does not parse is left out. */
    public static ConsumerFacts fromJson(String source, JsonNode root) {
        Map<String, Consumer> out = new TreeMap<>();
        root.path("consumers").fields().forEachRemaining(e -> {
            JsonNode n = e.getValue();
            Set<String> fetched = new TreeSet<>();
            n.path("fetched").forEach(t -> fetched.add(t.asText()));
            Set<String> groups = new TreeSet<>();
            n.path("groups").forEach(g -> groups.add(g.asText()));
            out.put(e.getKey(), new Consumer(n.path("joins").asBoolean(), fetched, groups));
        });
        return new ConsumerFacts(out, new TreeSet<>(Set.of(source)), root.path("truncated").asBoolean());
    }
}
