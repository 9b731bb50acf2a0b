package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.TopicIds;

/**
 * Where a request is going: the cluster behind the client's connection, the client's routes,
 * whether identities are virtualised, and where producer ids are mapped (null when they are not).
 */
public record RequestScope(String cluster, ClientRoutes routes, TopicIds topicIds, boolean virtualize,
                           ProducerIdMapper producers, ProducerIdMapper.RealIdSource realIds) {

    /** True when {@code topic} routes, for this client, somewhere other than this connection's cluster. */
    public boolean movedAway(String topic) {
        return !cluster.equals(routes.topic(topic));
    }
}
