package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.routing.RoutingContext;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.cutover.proxy.server.upstream.ClusterLink;
import io.cutover.proxy.server.upstream.RealProducerIdPool;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Everything about routing that connections share: the live route table, the proxy's own links to
 * each cluster, and the context the routing code works in.
 */
public final class RoutingState {
    /**
     * APIs not offered while a second cluster exists: they carry broker ids, controller addresses
     * or topic ids in forms the proxy does not translate (operators run them against each cluster
     * directly), or they are broker-to-broker APIs.
     */
    public static final Set<ApiKeys> HIDDEN_WHEN_ROUTING = Set.of(
        ApiKeys.DESCRIBE_TOPIC_PARTITIONS, ApiKeys.ELECT_LEADERS, ApiKeys.ALTER_PARTITION_REASSIGNMENTS,
        ApiKeys.LIST_PARTITION_REASSIGNMENTS, ApiKeys.ALTER_REPLICA_LOG_DIRS, ApiKeys.DESCRIBE_LOG_DIRS,
        ApiKeys.UNREGISTER_BROKER, ApiKeys.DESCRIBE_QUORUM, ApiKeys.ADD_RAFT_VOTER, ApiKeys.REMOVE_RAFT_VOTER,
        ApiKeys.UPDATE_FEATURES, ApiKeys.WRITE_TXN_MARKERS,
        ApiKeys.SHARE_GROUP_HEARTBEAT, ApiKeys.SHARE_GROUP_DESCRIBE, ApiKeys.SHARE_FETCH, ApiKeys.SHARE_ACKNOWLEDGE,
        ApiKeys.DESCRIBE_SHARE_GROUP_OFFSETS, ApiKeys.ALTER_SHARE_GROUP_OFFSETS, ApiKeys.DELETE_SHARE_GROUP_OFFSETS,
        ApiKeys.INITIALIZE_SHARE_GROUP_STATE, ApiKeys.READ_SHARE_GROUP_STATE, ApiKeys.WRITE_SHARE_GROUP_STATE,
        ApiKeys.DELETE_SHARE_GROUP_STATE, ApiKeys.READ_SHARE_GROUP_STATE_SUMMARY,
        ApiKeys.STREAMS_GROUP_HEARTBEAT, ApiKeys.STREAMS_GROUP_DESCRIBE);

    /** Virtual producers remembered at once; a forgotten one is mapped afresh on its next batch. */
    private static final int MAX_PRODUCERS = 100_000;

    private final Routes routes;
    private final Map<String, ClusterLink> links;
    private final RoutingContext context;
    private final ProducerIdMapper producers = new ProducerIdMapper(MAX_PRODUCERS);
    private final RealProducerIdPool realProducerIds;
    private final OpenTransactions openTransactions = new OpenTransactions();
    private final TransactionalProducers transactionalProducers = new TransactionalProducers(MAX_PRODUCERS, producers);
    private final TransactionAdopter adopter;

    public TransactionalProducers transactionalProducers() {
        return transactionalProducers;
    }

    public TransactionAdopter adopter() {
        return adopter;
    }

    public OpenTransactions openTransactions() {
        return openTransactions;
    }

    public RoutingState(Routes routes, Map<String, ClusterLink> links, RoutingContext context) {
        this.routes = routes;
        this.links = Map.copyOf(links);
        this.context = context;
        this.realProducerIds = new RealProducerIdPool(this.links);
        this.adopter = new TransactionAdopter(this.links, transactionalProducers);
    }

    /** Starts what routing needs in the background: real producer ids when identities are virtualised. */
    public void start(java.time.Duration wait) {
        if (context.virtualize()) {
            realProducerIds.start(wait);
        }
    }

    public ProducerIdMapper producers() {
        return producers;
    }

    public RealProducerIdPool realProducerIds() {
        return realProducerIds;
    }

    public Routes routes() {
        return routes;
    }

    public RouteTable table() {
        return routes.current();
    }

    public ClusterLink link(String cluster) {
        return links.get(cluster);
    }

    public Map<String, ClusterLink> links() {
        return links;
    }

    public RoutingContext context() {
        return context;
    }

    public Set<ApiKeys> hiddenApis() {
        return context.virtualize() ? HIDDEN_WHEN_ROUTING : Set.of();
    }

    /** The client's view of the current table, reusing {@code previous} while the table has not changed. */
    public ClientRoutes routesFor(ClientSelector.ClientIdentity client, ClientRoutes previous) {
        RouteTable t = routes.current();
        if (previous != null && previous.version() == t.version()) {
            return previous;
        }
        return t.forClient(client);
    }
}
