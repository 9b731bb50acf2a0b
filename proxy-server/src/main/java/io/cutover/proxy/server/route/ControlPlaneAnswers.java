package io.cutover.proxy.server.route;

import io.cutover.proxy.core.api.ApiVersionsIntersection;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClusterDescriptionRouting;
import io.cutover.proxy.core.routing.CoordinatorRouting;
import io.cutover.proxy.core.routing.MetadataRouting;
import io.cutover.proxy.server.upstream.ClusterLink;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

/**
 * The answers the proxy builds from its own links to the clusters rather than from the client's
 * upstream connection: ApiVersions (the intersection of every cluster's and the proxy's), Metadata
 * (each topic from the cluster it routes to), FindCoordinator (the coordinator in the key's cluster)
 * and DescribeCluster (every cluster's brokers behind one virtual cluster).
 */
public final class ControlPlaneAnswers {
    private final RoutingState state;

    public ControlPlaneAnswers(RoutingState state) {
        this.state = state;
    }

    /** True for the APIs answered here. */
    public static boolean answers(short apiKey) {
        return apiKey == ApiKeys.API_VERSIONS.id || apiKey == ApiKeys.METADATA.id
            || apiKey == ApiKeys.FIND_COORDINATOR.id || apiKey == ApiKeys.DESCRIBE_CLUSTER.id;
    }

    public CompletionStage<ApiMessage> answer(ApiKeys api, short version, ApiMessage request, ClientRoutes routes) {
        return switch (api) {
            case API_VERSIONS -> apiVersions().thenApply(r -> r);
            case METADATA -> metadata((MetadataRequestData) request, version, routes).thenApply(r -> r);
            case FIND_COORDINATOR -> coordinator((FindCoordinatorRequestData) request, version, routes).thenApply(r -> r);
            case DESCRIBE_CLUSTER -> cluster((DescribeClusterRequestData) request, version, routes).thenApply(r -> r);
            default -> CompletableFuture.failedFuture(new IllegalArgumentException(api + " is not answered by the proxy"));
        };
    }

    public CompletionStage<ApiVersionsResponseData> apiVersions() {
        List<CompletableFuture<ApiVersionsResponseData>> all = new ArrayList<>();
        for (ClusterLink link : state.links().values()) {
            all.add(link.apiVersionsReady().toCompletableFuture());
        }
        return CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> {
            List<ApiVersionsResponseData> versions = new ArrayList<>();
            for (String cluster : state.context().clusters()) {
                versions.add(state.link(cluster).apiVersions());
            }
            return ApiVersionsIntersection.of(versions, state.hiddenApis());
        });
    }

    private CompletionStage<MetadataResponseData> metadata(MetadataRequestData request, short version, ClientRoutes routes) {
        MetadataRouting.Split split = MetadataRouting.split(request, version, routes, state.context());
        return Fanout.<MetadataRequestData, MetadataResponseData>all(split.requests(),
                (cluster, r) -> state.link(cluster).send(ApiKeys.METADATA, version, r))
            .thenApply(answers -> MetadataRouting.merge(split, answers, version, routes, state.context()));
    }

    private CompletionStage<FindCoordinatorResponseData> coordinator(FindCoordinatorRequestData request, short version, ClientRoutes routes) {
        Map<String, FindCoordinatorRequestData> split = CoordinatorRouting.split(request, version, routes);
        return Fanout.<FindCoordinatorRequestData, FindCoordinatorResponseData>all(split,
                (cluster, r) -> state.link(cluster).send(ApiKeys.FIND_COORDINATOR, version, r))
            .thenApply(answers -> CoordinatorRouting.merge(request, version, answers, state.context()));
    }

    private CompletionStage<DescribeClusterResponseData> cluster(DescribeClusterRequestData request, short version, ClientRoutes routes) {
        Map<String, DescribeClusterRequestData> perCluster = new LinkedHashMap<>();
        for (String c : state.context().clusters()) {
            perCluster.put(c, request);
        }
        return Fanout.<DescribeClusterRequestData, DescribeClusterResponseData>all(perCluster,
                (cluster, r) -> state.link(cluster).send(ApiKeys.DESCRIBE_CLUSTER, version, r))
            .thenApply(answers -> ClusterDescriptionRouting.merge(answers, version, routes.defaultCluster(), state.context()));
    }
}
