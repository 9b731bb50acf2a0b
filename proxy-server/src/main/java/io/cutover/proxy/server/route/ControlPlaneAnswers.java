package io.cutover.proxy.server.route;

import io.cutover.proxy.core.api.ApiVersionsIntersection;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClusterDescriptionRouting;
import io.cutover.proxy.core.routing.CoordinatorRouting;
import io.cutover.proxy.core.routing.MetadataRouting;
import io.cutover.proxy.server.upstream.ClusterLink;
import io.cutover.proxy.server.upstream.ClusterUnavailableException;
import io.cutover.proxy.server.upstream.KnownApiVersions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers the proxy builds from its own links to the clusters rather than from the client's
 * upstream connection: ApiVersions (the intersection of every cluster's and the proxy's), Metadata
 * (each topic from the cluster it routes to), FindCoordinator (the coordinator in the key's cluster)
 * and DescribeCluster (every cluster's brokers behind one virtual cluster).
 *
 * <p>One cluster being down never takes these answers down for the other's clients: ApiVersions
 * falls back to the ranges the down cluster last answered (kept across restarts), and the fan-outs
 * answer from the clusters that answered in time, with retriable errors for what only the down
 * cluster could say (its topics LEADER_NOT_AVAILABLE, its coordinators COORDINATOR_NOT_AVAILABLE).
 * Only when no cluster can answer does an answer fail (and the client's connection close).
 */
public final class ControlPlaneAnswers implements ControlPlane {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPlaneAnswers.class);

    private final RoutingState state;
    private final KnownApiVersions known;
    private final Set<String> warnedWithoutRanges = ConcurrentHashMap.newKeySet();
    /** Clusters that clients reach as themselves (identity mapped or passthrough): the links there speak as the service user. */
    private final Set<String> clientsAsThemselves;

    public ControlPlaneAnswers(RoutingState state, KnownApiVersions known) {
        this(state, known, Set.of());
    }

    public ControlPlaneAnswers(RoutingState state, KnownApiVersions known, Set<String> clientsAsThemselves) {
        this.state = state;
        this.known = known;
        this.clientsAsThemselves = Set.copyOf(clientsAsThemselves);
    }

    @Override
    public CompletionStage<ApiMessage> answer(ApiKeys api, short version, ApiMessage request, ClientRoutes routes) {
        return switch (api) {
            case API_VERSIONS -> apiVersions().thenApply(r -> r);
            case METADATA -> metadata((MetadataRequestData) request, version, routes).thenApply(r -> r);
            case FIND_COORDINATOR -> coordinator((FindCoordinatorRequestData) request, version, routes).thenApply(r -> r);
            case DESCRIBE_CLUSTER -> cluster((DescribeClusterRequestData) request, version, routes).thenApply(r -> r);
            default -> CompletableFuture.failedFuture(new IllegalArgumentException(api + " is not answered by the proxy"));
        };
    }

    /**
     * Each cluster's ranges: as learnt live this run; else, for a cluster the link already found
     * unreachable, as kept from an earlier run (without waiting); else asked now, falling back to the
     * kept ones if it does not answer in time. A cluster with neither is left out (see README, "When a
     * cluster is down"): the client then only sees the reachable cluster's ranges and the proxy's caps.
     */
    public CompletionStage<ApiVersionsResponseData> apiVersions() {
        Map<String, CompletableFuture<ApiVersionsResponseData>> perCluster = new LinkedHashMap<>();
        for (String cluster : state.context().clusters()) {
            ClusterLink link = state.link(cluster);
            ApiVersionsResponseData live = link.apiVersions();
            ApiVersionsResponseData kept = known.of(cluster);
            if (live != null) {
                perCluster.put(cluster, CompletableFuture.completedFuture(live));
            } else if (link.knownUnreachable() && kept != null) {
                perCluster.put(cluster, CompletableFuture.completedFuture(kept));
            } else {
                perCluster.put(cluster, link.apiVersionsReady().toCompletableFuture().handle((v, e) -> e == null ? v : kept));
            }
        }
        return CompletableFuture.allOf(perCluster.values().toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            List<ApiVersionsResponseData> versions = new ArrayList<>();
            perCluster.forEach((cluster, f) -> {
                ApiVersionsResponseData v = f.join();
                if (v != null) {
                    versions.add(v);
                } else if (warnedWithoutRanges.add(cluster)) {
                    LOG.warn("answering ApiVersions without cluster {}'s ranges: it is unreachable and never answered this proxy "
                        + "(nothing kept in the state directory); clients see the other cluster's ranges and the proxy's caps",
                        cluster);
                }
            });
            if (versions.isEmpty()) {
                throw new ClusterUnavailableException("no cluster answered ApiVersions and none has ranges kept from before", null);
            }
            return ApiVersionsIntersection.of(versions, state.hiddenApis());
        });
    }

    private CompletionStage<MetadataResponseData> metadata(MetadataRequestData request, short version, ClientRoutes routes) {
        MetadataRouting.Split split = MetadataRouting.split(request, version, routes, state.context());
        return Fanout.<MetadataRequestData, MetadataResponseData>settled(split.requests(),
                (cluster, r) -> state.link(cluster).send(ApiKeys.METADATA, version, forService(cluster, r)))
            .thenApply(o -> {
                if (o.answers().isEmpty() && split.allTopics()) {
                    // Every topic listing would be empty: a pattern subscriber would drop all it reads.
                    throw noAnswer(ApiKeys.METADATA, o);
                }
                return MetadataRouting.merge(split, o.answers(), o.failures().keySet(), version, routes, state.context());
            });
    }

    /**
     * A client's Metadata as the proxy's link sends it. Where clients reach the cluster as
     * themselves, the service user must not act for them: it creates no topic the client's own user
     * might not (auto.create.topics.enable), and reports no rights of its own as the client's.
     */
    private MetadataRequestData forService(String cluster, MetadataRequestData r) {
        if (!clientsAsThemselves.contains(cluster)) {
            return r;
        }
        return r.duplicate().setAllowAutoTopicCreation(false).setIncludeClusterAuthorizedOperations(false)
            .setIncludeTopicAuthorizedOperations(false);
    }

    private CompletionStage<FindCoordinatorResponseData> coordinator(FindCoordinatorRequestData request, short version, ClientRoutes routes) {
        Map<String, FindCoordinatorRequestData> split = CoordinatorRouting.split(request, version, routes);
        return Fanout.<FindCoordinatorRequestData, FindCoordinatorResponseData>settled(split,
                (cluster, r) -> state.link(cluster).send(ApiKeys.FIND_COORDINATOR, version, r))
            .thenApply(o -> CoordinatorRouting.merge(request, version, o.answers(), o.failures().keySet(), state.context()));
    }

    private CompletionStage<DescribeClusterResponseData> cluster(DescribeClusterRequestData request, short version, ClientRoutes routes) {
        Map<String, DescribeClusterRequestData> perCluster = new LinkedHashMap<>();
        for (String c : state.context().clusters()) {
            // As for Metadata: the service user's rights are not the client's.
            perCluster.put(c, clientsAsThemselves.contains(c) ? request.duplicate().setIncludeClusterAuthorizedOperations(false) : request);
        }
        return Fanout.<DescribeClusterRequestData, DescribeClusterResponseData>settled(perCluster,
                (cluster, r) -> state.link(cluster).send(ApiKeys.DESCRIBE_CLUSTER, version, r))
            .thenApply(o -> ClusterDescriptionRouting.merge(o.answers(), o.failures().keySet(), version, routes.defaultCluster(),
                state.context()));
    }

    private static ClusterUnavailableException noAnswer(ApiKeys api, Fanout.Outcome<?> o) {
        StringBuilder why = new StringBuilder("no cluster answered ").append(api.name).append(':');
        o.failures().forEach((cluster, e) -> why.append(' ').append(cluster).append(": ").append(e.getMessage()).append(';'));
        return new ClusterUnavailableException(why.toString(), null);
    }
}
