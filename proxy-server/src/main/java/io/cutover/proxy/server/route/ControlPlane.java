package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.ClientRoutes;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The control-plane requests the proxy answers itself rather than forwarding: ApiVersions, Metadata,
 * FindCoordinator and DescribeCluster. What a client learns from them must cover every cluster it
 * may be routed to, so the answer is built from the proxy's own links to the clusters
 * ({@link ControlPlaneAnswers}), not from the client's upstream connection.
 */
public interface ControlPlane {
    /** True for the APIs answered by the proxy. */
    static boolean answers(short apiKey) {
        return apiKey == ApiKeys.API_VERSIONS.id || apiKey == ApiKeys.METADATA.id
            || apiKey == ApiKeys.FIND_COORDINATOR.id || apiKey == ApiKeys.DESCRIBE_CLUSTER.id;
    }

    /**
     * The answer to {@code request}, one of the APIs {@link #answers} names, for a client routed by
     * {@code routes}. Fails only when no cluster can answer.
     */
    CompletionStage<ApiMessage> answer(ApiKeys api, short version, ApiMessage request, ClientRoutes routes);
}
