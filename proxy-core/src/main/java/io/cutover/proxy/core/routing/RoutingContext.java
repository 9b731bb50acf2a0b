package io.cutover.proxy.core.routing;

import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.virtual.TopicIds;
import java.util.List;
import java.util.Map;

/**
 * What the routing code needs besides a client's routes: a rewrite context per cluster (node mapper,
 * error counter), the topic id table, the cluster id clients see, and whether identities are
 * virtualised (they are whenever a second cluster exists; with one cluster real topic ids and
 * leader epochs pass through).
 */
public record RoutingContext(List<String> clusters, Map<String, RewriteContext> rewrites, TopicIds topicIds,
                             boolean virtualize, String clusterId) {

    public RewriteContext rewrite(String cluster) {
        return rewrites.get(cluster);
    }
}
