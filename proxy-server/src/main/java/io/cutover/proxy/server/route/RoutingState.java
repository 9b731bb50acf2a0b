package io.cutover.proxy.server.route;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.routing.RoutingContext;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdRecord;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import io.cutover.proxy.server.upstream.ClusterLink;
import io.cutover.proxy.server.upstream.RealProducerIdPool;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.protocol.ApiKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything about routing that connections share: the live route table, the proxy's own links to
 * each cluster, and the context the routing code works in.
 */
public final class RoutingState {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingState.class);
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

    /**
     * How long the producer id mappings of a producer that is not seen any more are kept. Longer than
     * Kafka's producer.id.expiration.ms (1 day by default): by then the brokers have forgotten the
     * producer's sequences, so there is nothing left to deduplicate against.
     */
    public static final Duration PRODUCER_ID_RETENTION = Duration.ofDays(7);
    /** A producer still in use gets a "seen" record this long after its last one, well within the retention. */
    private static final Duration PRODUCER_SEEN_REFRESH = Duration.ofHours(12);
    public static final Duration PRODUCER_ID_MAINTENANCE_INTERVAL = Duration.ofMinutes(10);

    private final Routes routes;
    private final Map<String, ClusterLink> links;
    private final RoutingContext context;
    private final String identityCluster;
    private final ProducerIdMapper producers;
    private final ProducerIdMapper.RealIdSource realProducerIds;
    private final OpenTransactions openTransactions = new OpenTransactions();
    private final TransactionalProducers transactionalProducers;
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

    /**
     * @param identityCluster the cluster whose real producer ids clients hold (the source)
     * @param producerIds     where producer id mappings are kept across restarts
     */
    public RoutingState(Routes routes, Map<String, ClusterLink> links, RoutingContext context, String identityCluster,
                        ProducerIdStore producerIds) {
        this(routes, links, context, identityCluster, producerIds, new RealProducerIdPool(Map.copyOf(links)));
    }

    /**
     * As above, with the source of real producer ids given: the proxy's is a {@link RealProducerIdPool}
     * fed over the links; a test's may be a plain queue.
     */
    public RoutingState(Routes routes, Map<String, ClusterLink> links, RoutingContext context, String identityCluster,
                        ProducerIdStore producerIds, ProducerIdMapper.RealIdSource realProducerIds) {
        this.routes = routes;
        this.links = Map.copyOf(links);
        this.context = context;
        this.identityCluster = identityCluster;
        List<ProducerIdRecord> saved = producerIds.load();
        this.producers = new ProducerIdMapper(identityCluster, producerIds, saved, System::currentTimeMillis);
        this.transactionalProducers = new TransactionalProducers(identityCluster, producerIds, saved, System::currentTimeMillis);
        this.realProducerIds = realProducerIds;
        this.adopter = new TransactionAdopter(this.links, transactionalProducers);
    }

    /** Starts what routing needs in the background: real producer ids when identities are virtualised. */
    public void start(Duration wait) {
        if (context.virtualize() && realProducerIds instanceof RealProducerIdPool pool) {
            pool.start(wait);
        }
    }

    /**
     * Upkeep of the producer id store's bound, run every {@link #PRODUCER_ID_MAINTENANCE_INTERVAL}
     * off the Kafka event loops: producers in use get a "seen" record, producers not seen for
     * {@link #PRODUCER_ID_RETENTION} are forgotten.
     */
    public void maintainProducerIds() {
        try {
            long expiredBefore = System.currentTimeMillis() - PRODUCER_ID_RETENTION.toMillis();
            int forgotten = producers.maintain(PRODUCER_SEEN_REFRESH.toMillis(), expiredBefore)
                + transactionalProducers.maintain(PRODUCER_SEEN_REFRESH.toMillis(), expiredBefore);
            if (forgotten > 0) {
                LOG.info("forgot the producer id mappings of {} producers not seen for {}", forgotten, PRODUCER_ID_RETENTION);
            }
        } catch (RuntimeException e) {
            LOG.warn("producer id upkeep failed: {}", e.toString());
        }
    }

    /** The cluster whose real producer ids clients hold. */
    public String identityCluster() {
        return identityCluster;
    }

    public ProducerIdMapper producers() {
        return producers;
    }

    public ProducerIdMapper.RealIdSource realProducerIds() {
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
