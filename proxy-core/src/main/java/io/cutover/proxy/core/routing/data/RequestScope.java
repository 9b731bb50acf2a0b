package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.core.virtual.TransactionalProducers;

/**
 * Where a request is going: the cluster behind the client's connection, the client's routes,
 * whether identities are virtualised, and where producer ids are mapped (null when they are not).
 */
public record RequestScope(String cluster, ClientRoutes routes, TopicIds topicIds, boolean virtualize,
                           ProducerIdMapper producers, ProducerIdMapper.RealIdSource realIds,
                           TransactionalProducers transactional, Adopter adopter) {

    /** Gets a transactional producer a real id on a cluster its transactional id moved to. */
    @FunctionalInterface
    public interface Adopter {
        void adopt(long virtualProducerId, String cluster);
    }

    /** True when {@code topic} routes, for this client, somewhere other than this connection's cluster. */
    public boolean movedAway(String topic) {
        return !cluster.equals(routes.topic(topic));
    }
}
