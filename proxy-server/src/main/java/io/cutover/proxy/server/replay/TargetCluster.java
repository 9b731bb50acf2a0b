package io.cutover.proxy.server.replay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.MetadataResponse;

/**
 * What the replay needs to know of the cluster it replays into, asked over one control connection:
 * the API versions it supports, its brokers, partition leaders and topic ids, group coordinators,
 * and fresh producer ids. Calls are serialised; they are rare next to the replayed traffic.
 */
final class TargetCluster implements AutoCloseable {
    private static final short METADATA_VERSION = 12;
    private static final short FIND_COORDINATOR_VERSION = 3;
    private static final short INIT_PRODUCER_ID_VERSION = 4;

    private final InetSocketAddress bootstrap;
    private final int connectTimeoutMillis;
    private final Dialer dialer;
    private KafkaWire control;
    private int correlation;
    private final Map<Short, Short> maxVersions = new HashMap<>();
    private final Map<Integer, InetSocketAddress> brokers = new HashMap<>();
    private final Map<String, Uuid> topicIds = new HashMap<>();
    private final Map<Uuid, String> namesById = new HashMap<>();
    private final Map<String, Map<Integer, Integer>> leaders = new HashMap<>();
    private final Map<Uuid, String> namesByVirtualId = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@code dialer} opens the control connection (as the cluster's service user, where it authenticates). */
    TargetCluster(InetSocketAddress bootstrap, int connectTimeoutMillis, Dialer dialer) throws IOException {
        this.bootstrap = bootstrap;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.dialer = dialer;
        this.control = new KafkaWire(bootstrap, connectTimeoutMillis, dialer);
        ApiVersionsResponse versions = control.call(ApiKeys.API_VERSIONS, (short) 3,
            new ApiVersionsRequestData().setClientSoftwareName("cutover-replay").setClientSoftwareVersion("1"), ++correlation,
            ApiVersionsResponse.class);
        if (versions.data().errorCode() != 0) {
            throw new IOException(bootstrap + " refused ApiVersions: " + Errors.forCode(versions.data().errorCode()));
        }
        for (ApiVersionsResponseData.ApiVersion v : versions.data().apiKeys()) {
            maxVersions.put(v.apiKey(), v.maxVersion());
        }
        refreshMetadata();
    }

    InetSocketAddress bootstrap() {
        return bootstrap;
    }

    /** Highest version the target takes for {@code apiKey}, or -1 when it does not take that API. */
    short maxVersion(short apiKey) {
        return maxVersions.getOrDefault(apiKey, (short) -1);
    }

    synchronized void refreshMetadata() throws IOException {
        MetadataResponse md = control.call(ApiKeys.METADATA, METADATA_VERSION,
            new MetadataRequestData().setTopics(null).setAllowAutoTopicCreation(false), ++correlation, MetadataResponse.class);
        brokers.clear();
        for (MetadataResponseData.MetadataResponseBroker b : md.data().brokers()) {
            brokers.put(b.nodeId(), new InetSocketAddress(b.host(), b.port()));
        }
        for (MetadataResponseData.MetadataResponseTopic t : md.data().topics()) {
            topicIds.put(t.name(), t.topicId());
            namesById.put(t.topicId(), t.name());
            namesByVirtualId.put(io.cutover.proxy.core.virtual.TopicIds.virtualIdOf(t.name()), t.name());
            Map<Integer, Integer> byPartition = new HashMap<>();
            t.partitions().forEach(p -> byPartition.put(p.partitionIndex(), p.leaderId()));
            leaders.put(t.name(), byPartition);
        }
    }

    /** The topic a Cutover Proxy's virtual id stands for, among the target's topics; null if none. */
    String nameOfVirtual(Uuid id) {
        return namesByVirtualId.get(id);
    }

    /** The name of the topic the target knows by {@code id}; null when it knows none (as far as the last metadata says). */
    synchronized String topicName(Uuid id) {
        return namesById.get(id);
    }

    synchronized Uuid topicId(String topic) throws IOException {
        if (!topicIds.containsKey(topic)) {
            refreshMetadata();
        }
        return topicIds.get(topic);
    }

    /** The address of the broker leading {@code topic}-{@code partition}, or null when unknown. */
    synchronized InetSocketAddress leader(String topic, int partition) throws IOException {
        if (!leaders.containsKey(topic)) {
            refreshMetadata();
        }
        Integer leader = leaders.getOrDefault(topic, Map.of()).get(partition);
        return leader == null ? null : brokers.get(leader);
    }

    /** The coordinator of a group, or null when the target could not name one. */
    synchronized InetSocketAddress groupCoordinator(String group) throws IOException {
        FindCoordinatorResponse r = control.call(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION,
            new FindCoordinatorRequestData().setKey(group).setKeyType((byte) 0), ++correlation, FindCoordinatorResponse.class);
        if (r.data().errorCode() != 0) {
            return null;
        }
        return new InetSocketAddress(r.data().host(), r.data().port());
    }

    /** A fresh idempotent producer id and epoch, for one producer of the capture. */
    synchronized long[] newProducer() throws IOException {
        InitProducerIdResponse r = control.call(ApiKeys.INIT_PRODUCER_ID, INIT_PRODUCER_ID_VERSION,
            new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000), ++correlation,
            InitProducerIdResponse.class);
        if (r.data().errorCode() != 0) {
            throw new IOException("the target refused InitProducerId: " + Errors.forCode(r.data().errorCode()));
        }
        return new long[] {r.data().producerId(), r.data().producerEpoch()};
    }

    List<InetSocketAddress> brokerAddresses() {
        return List.copyOf(brokers.values());
    }

    int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    @Override
    public synchronized void close() {
        control.close();
    }
}
