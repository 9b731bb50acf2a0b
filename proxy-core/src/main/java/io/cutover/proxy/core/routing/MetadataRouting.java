package io.cutover.proxy.core.routing;

import io.cutover.proxy.core.rewrite.MetadataRewriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;

/**
 * A client's Metadata request answered from the clusters its topics route to: the request is split
 * per cluster, and the answers are merged so that each topic comes from its cluster, every broker is
 * a proxy address, and (when virtualising) topic ids are the stable virtual ones and leader epochs
 * are withheld (-1), so neither can go backwards when a topic moves.
 */
public final class MetadataRouting {
    private static final MetadataRewriter REWRITER = new MetadataRewriter();

    private MetadataRouting() {
    }

    /** Per-cluster requests, plus answers for topics requested by an id the proxy does not know. */
    public record Split(Map<String, MetadataRequestData> requests, List<MetadataResponseTopic> unknownIds, boolean allTopics) {
    }

    public static Split split(MetadataRequestData request, short version, ClientRoutes routes, RoutingContext ctx) {
        Map<String, MetadataRequestData> out = new LinkedHashMap<>();
        List<MetadataResponseTopic> unknown = new ArrayList<>();
        boolean all = request.topics() == null || (version == 0 && request.topics().isEmpty());
        if (all || request.topics().isEmpty()) {
            for (String c : ctx.clusters()) {
                out.put(c, copyWithTopics(request, all ? null : new ArrayList<>()));
            }
            return new Split(out, unknown, all);
        }
        for (MetadataRequestTopic t : request.topics()) {
            String name = t.name();
            // By id (v10+): the name is null, or empty when a client left it unset.
            if ((name == null || name.isEmpty()) && t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) {
                name = ctx.topicIds().nameOfVirtual(t.topicId());
                if (name == null) {
                    unknown.add(new MetadataResponseTopic().setTopicId(t.topicId()).setName(null)
                        .setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                    continue;
                }
            }
            String cluster = routes.topic(name);
            out.computeIfAbsent(cluster, c -> copyWithTopics(request, new ArrayList<>()))
                .topics().add(new MetadataRequestTopic().setName(name).setTopicId(Uuid.ZERO_UUID));
        }
        if (out.isEmpty()) {
            // Only unknown ids: still answer with brokers, from the default cluster.
            out.put(routes.defaultCluster(), copyWithTopics(request, new ArrayList<>()));
        }
        return new Split(out, unknown, false);
    }

    private static MetadataRequestData copyWithTopics(MetadataRequestData r, List<MetadataRequestTopic> topics) {
        return new MetadataRequestData()
            .setTopics(topics)
            .setAllowAutoTopicCreation(r.allowAutoTopicCreation())
            .setIncludeClusterAuthorizedOperations(r.includeClusterAuthorizedOperations())
            .setIncludeTopicAuthorizedOperations(r.includeTopicAuthorizedOperations());
    }

    /**
     * Merges per-cluster answers (already decoded, still with real ids and addresses) into the answer
     * this client gets.
     */
    public static MetadataResponseData merge(Split split, Map<String, MetadataResponseData> answers, short version,
                                             ClientRoutes routes, RoutingContext ctx) {
        return merge(split, answers, Set.of(), version, routes, ctx);
    }

    /**
     * As above, when the clusters in {@code unavailable} did not answer. Topics requested from them
     * are answered LEADER_NOT_AVAILABLE, which clients retry (a producer waits for metadata, a
     * consumer keeps polling) without dropping the topic; a request for all topics lists only what the
     * answering clusters route, since the proxy cannot know what the silent one holds. Their brokers
     * stay listed from the proxy's registry, as for a cluster not asked at all.
     */
    public static MetadataResponseData merge(Split split, Map<String, MetadataResponseData> answers, Set<String> unavailable,
                                             short version, ClientRoutes routes, RoutingContext ctx) {
        MetadataResponseData merged = new MetadataResponseData();
        Set<Integer> brokerIds = new HashSet<>();
        String controllerFrom = answers.containsKey(routes.defaultCluster()) ? routes.defaultCluster()
            : answers.isEmpty() ? null : answers.keySet().iterator().next();
        if (controllerFrom == null) {
            merged.setControllerId(-1).setClusterId(ctx.virtualize() ? ctx.clusterId() : null);
        }
        for (Map.Entry<String, MetadataResponseData> e : answers.entrySet()) {
            String cluster = e.getKey();
            MetadataResponseData answer = e.getValue();
            for (MetadataResponseTopic t : answer.topics()) {
                if (t.errorCode() == Errors.NONE.code()) {
                    ctx.topicIds().learn(cluster, t.name(), t.topicId());
                }
            }
            REWRITER.rewrite(answer, version, ctx.rewrite(cluster));
            for (MetadataResponseBroker b : answer.brokers()) {
                if (brokerIds.add(b.nodeId())) {
                    merged.brokers().add(b.duplicate());
                }
            }
            if (cluster.equals(controllerFrom)) {
                merged.setControllerId(answer.controllerId());
                merged.setClusterAuthorizedOperations(answer.clusterAuthorizedOperations());
                merged.setClusterId(ctx.virtualize() ? ctx.clusterId() : answer.clusterId());
            }
            merged.setThrottleTimeMs(Math.max(merged.throttleTimeMs(), answer.throttleTimeMs()));
            for (MetadataResponseTopic t : answer.topics()) {
                if (split.allTopics() && !cluster.equals(routes.topic(t.name()))) {
                    continue; // listed by the other cluster, where it routes
                }
                MetadataResponseTopic copy = t.duplicate();
                if (ctx.virtualize()) {
                    if (!Uuid.ZERO_UUID.equals(copy.topicId()) && copy.name() != null) {
                        copy.setTopicId(ctx.topicIds().virtualId(copy.name()));
                    }
                    for (MetadataResponsePartition p : copy.partitions()) {
                        p.setLeaderEpoch(-1);
                    }
                }
                merged.topics().add(copy);
            }
        }
        // Brokers of clusters this request did not need to ask: clients look coordinators and other
        // nodes up in the broker list (kafkajs fails when a known node is missing from it).
        for (String cluster : ctx.clusters()) {
            if (answers.containsKey(cluster)) {
                continue;
            }
            for (io.cutover.proxy.core.node.VirtualNode n : ctx.rewrite(cluster).nodes().knownNodes()) {
                if (brokerIds.add(n.id())) {
                    io.cutover.proxy.core.node.AdvertisedAddresses advertised = ctx.rewrite(cluster).nodes().advertised();
                    merged.brokers().add(new MetadataResponseBroker().setNodeId(n.id())
                        .setHost(advertised.host(n)).setPort(advertised.port(n)).setRack(n.rack()));
                }
            }
        }
        for (String cluster : unavailable) {
            MetadataRequestData asked = split.requests().get(cluster);
            if (asked == null || asked.topics() == null) {
                continue;
            }
            for (MetadataRequestTopic t : asked.topics()) {
                merged.topics().add(new MetadataResponseTopic().setName(t.name()).setErrorCode(Errors.LEADER_NOT_AVAILABLE.code())
                    .setTopicId(ctx.virtualize() ? ctx.topicIds().virtualId(t.name()) : Uuid.ZERO_UUID)
                    .setIsInternal(false));
            }
        }
        for (MetadataResponseTopic t : split.unknownIds()) {
            merged.topics().add(t);
        }
        return merged;
    }
}
