package io.cutover.proxy.core.routing;

import io.cutover.proxy.core.rewrite.DescribeClusterRewriter;
import java.util.Map;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;

/** DescribeCluster answered with every cluster's brokers behind one virtual cluster. */
public final class ClusterDescriptionRouting {
    private static final DescribeClusterRewriter REWRITER = new DescribeClusterRewriter();

    private ClusterDescriptionRouting() {
    }

    public static DescribeClusterResponseData merge(Map<String, DescribeClusterResponseData> answers, short version,
                                                    String defaultCluster, RoutingContext ctx) {
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
