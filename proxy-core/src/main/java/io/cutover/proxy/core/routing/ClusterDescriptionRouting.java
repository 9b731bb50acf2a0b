package io.cutover.proxy.core.routing;

import io.cutover.proxy.core.rewrite.DescribeClusterRewriter;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;

/** DescribeCluster answered with every cluster's brokers behind one virtual cluster. */
public final class ClusterDescriptionRouting {
    private static final DescribeClusterRewriter REWRITER = new DescribeClusterRewriter();

    private ClusterDescriptionRouting() {
    }

    /**
     * @param unavailable clusters that did not answer: left out, so clients of the other cluster see
     *     a working cluster; when none answered, a retriable REQUEST_TIMED_OUT naming them
     */
    public static DescribeClusterResponseData merge(Map<String, DescribeClusterResponseData> answers, Set<String> unavailable,
                                                    short version, String defaultCluster, RoutingContext ctx) {
        if (answers.isEmpty()) {
            return new DescribeClusterResponseData().setErrorCode(Errors.REQUEST_TIMED_OUT.code())
                .setErrorMessage("cluster " + String.join(", ", unavailable) + " is unreachable from the proxy")
                .setControllerId(-1).setClusterId(ctx.virtualize() ? ctx.clusterId() : "");
        }
        DescribeClusterResponseData merged = new DescribeClusterResponseData();
        for (Map.Entry<String, DescribeClusterResponseData> e : answers.entrySet()) {
            DescribeClusterResponseData a = e.getValue();
            REWRITER.rewrite(a, version, ctx.rewrite(e.getKey()));
            if (a.errorCode() != 0) {
                return a; // an error (controller endpoints refused, authorization) answers as it is
            }
            for (DescribeClusterBroker b : a.brokers()) {
                if (merged.brokers().find(b.brokerId()) == null) {
                    merged.brokers().add(b.duplicate());
                }
            }
            merged.setThrottleTimeMs(Math.max(merged.throttleTimeMs(), a.throttleTimeMs()));
            if (e.getKey().equals(defaultCluster) || answers.size() == 1) {
                merged.setControllerId(a.controllerId()).setClusterAuthorizedOperations(a.clusterAuthorizedOperations())
                    .setEndpointType(a.endpointType())
                    .setClusterId(ctx.virtualize() ? ctx.clusterId() : a.clusterId());
            }
        }
        return merged;
    }
}
