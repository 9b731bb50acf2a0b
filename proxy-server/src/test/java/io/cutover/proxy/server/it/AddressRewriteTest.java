package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every address a client can see is the proxy's: Metadata (through every client type),
 * FindCoordinator single and batched, DescribeCluster, and the KIP-951 NodeEndpoints of Produce and
 * Fetch responses.
 */
@ExtendWith(KafkaClusterExtension.class)
class AddressRewriteTest {

    @Test
    void clientsSeeOnlyProxyAddresses(EmbeddedKafkaCluster cluster) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            ProxyAddresses addresses = new ProxyAddresses(proxy, cluster);
            String topic = Clients.unique("addresses");
            String group = Clients.unique("addresses-group");
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 3, (short) 1));

            DescribeClusterResult described = admin.describeCluster();
            for (Node n : described.nodes().get()) {
                addresses.assertProxy("DescribeCluster broker", n);
            }
            addresses.assertProxy("DescribeCluster controller", described.controller().get());

            TopicDescription td = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            assertEquals(3, td.partitions().size());
            for (TopicPartitionInfo p : td.partitions()) {
                addresses.assertProxy("Metadata leader", p.leader());
                p.replicas().forEach(r -> addresses.assertProxy("Metadata replica", r));
                p.isr().forEach(r -> addresses.assertProxy("Metadata ISR", r));
            }

            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                producer.send(new ProducerRecord<>(topic, "k", "v")).get();
                for (PartitionInfo p : producer.partitionsFor(topic)) {
                    addresses.assertProxy("producer metadata leader", p.leader());
                }
            }
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), group, Map.of())) {
                consumer.subscribe(List.of(topic));
                Await.until("the consumer receives the record", Duration.ofSeconds(30),
                    () -> !consumer.poll(Duration.ofMillis(100)).isEmpty());
                consumer.commitSync();
                for (PartitionInfo p : consumer.partitionsFor(topic)) {
                    addresses.assertProxy("consumer metadata leader", p.leader());
                }
                ConsumerGroupDescription groupDescription = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                assertEquals(GroupState.STABLE, groupDescription.groupState());
                addresses.assertProxy("group coordinator", groupDescription.coordinator());
            }
            Set<String> groups = admin.listGroups().all().get().stream().map(g -> g.groupId()).collect(Collectors.toSet());
            assertTrue(groups.contains(group), "ListGroups through the proxy lists " + group);
        }
    }

    @Test
    void findCoordinatorSingleAndBatched(EmbeddedKafkaCluster cluster) {
        try (RunningProxy proxy = RunningProxy.in(cluster); RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            ProxyAddresses addresses = new ProxyAddresses(proxy, cluster);
            // The first lookup creates the internal offsets and transaction topics; until they have
            // leaders the broker answers COORDINATOR_NOT_AVAILABLE.
            Await.until("the group coordinator is available", Duration.ofSeconds(30), () -> {
                client.send(ApiKeys.FIND_COORDINATOR, (short) 3, new FindCoordinatorRequestData().setKey("warm-up")
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id()));
                return client.receive(ApiKeys.FIND_COORDINATOR, (short) 3).as(FindCoordinatorResponseData.class).errorCode() == 0;
            });
            Await.until("the transaction coordinator is available", Duration.ofSeconds(30), () -> {
                client.send(ApiKeys.FIND_COORDINATOR, (short) 3, new FindCoordinatorRequestData().setKey("warm-up")
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()));
                return client.receive(ApiKeys.FIND_COORDINATOR, (short) 3).as(FindCoordinatorResponseData.class).errorCode() == 0;
            });
            for (short v = 0; v <= 3; v++) {
                client.send(ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData().setKey(Clients.unique("g"))
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id()));
                FindCoordinatorResponseData r = client.receive(ApiKeys.FIND_COORDINATOR, v).as(FindCoordinatorResponseData.class);
                assertEquals(Errors.NONE.code(), r.errorCode(), "FindCoordinator v" + v);
                addresses.assertProxy("FindCoordinator v" + v, r.host(), r.port());
            }
            for (short v = 4; v <= ApiKeys.FIND_COORDINATOR.latestVersion(); v++) {
                client.send(ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData()
                    .setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id())
                    .setCoordinatorKeys(List.of(Clients.unique("g"), Clients.unique("g"))));
                FindCoordinatorResponseData r = client.receive(ApiKeys.FIND_COORDINATOR, v).as(FindCoordinatorResponseData.class);
                assertEquals(2, r.coordinators().size());
                for (FindCoordinatorResponseData.Coordinator c : r.coordinators()) {
                    assertEquals(Errors.NONE.code(), c.errorCode(), "FindCoordinator v" + v + " for " + c.key());
                    addresses.assertProxy("FindCoordinator v" + v + " " + c.key(), c.host(), c.port());
                }
            }
            // A transaction coordinator is looked up the same way.
            short v = ApiKeys.FIND_COORDINATOR.latestVersion();
            client.send(ApiKeys.FIND_COORDINATOR, v, new FindCoordinatorRequestData()
                .setKeyType(FindCoordinatorRequest.CoordinatorType.TRANSACTION.id()).setCoordinatorKeys(List.of(Clients.unique("txn"))));
            FindCoordinatorResponseData.Coordinator txn = client.receive(ApiKeys.FIND_COORDINATOR, v)
                .as(FindCoordinatorResponseData.class).coordinators().get(0);
            assertEquals(Errors.NONE.code(), txn.errorCode());
            addresses.assertProxy("transaction coordinator", txn.host(), txn.port());

            for (short dv = 0; dv <= ApiKeys.DESCRIBE_CLUSTER.latestVersion(); dv++) {
                client.send(ApiKeys.DESCRIBE_CLUSTER, dv, new DescribeClusterRequestData());
                DescribeClusterResponseData d = client.receive(ApiKeys.DESCRIBE_CLUSTER, dv).as(DescribeClusterResponseData.class);
                assertEquals(Errors.NONE.code(), d.errorCode());
                assertFalse(d.brokers().isEmpty());
                for (DescribeClusterResponseData.DescribeClusterBroker b : d.brokers()) {
                    addresses.assertProxy("DescribeCluster v" + dv, b.host(), b.port());
                }
            }
        }
    }

    /**
     * A Produce or Fetch sent to a broker that is not the leader comes back NOT_LEADER_OR_FOLLOWER
     * with the leader's id and address (KIP-951). Through the proxy both must be the proxy's.
     */
    @Test
    void leaderHintsInProduceAndFetchAreProxyAddresses(@Brokers(3) EmbeddedKafkaCluster cluster) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(cluster); Admin admin = Clients.admin(proxy.bootstrapServers())) {
            ProxyAddresses addresses = new ProxyAddresses(proxy, cluster);
            String topic = Clients.unique("hints");
            io.cutover.proxy.server.testkit.Topics.create(admin, new NewTopic(topic, 1, (short) 1));
            TopicDescription td = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Node leader = td.partitions().get(0).leader();
            Uuid topicId = td.topicId();
            Node follower = admin.describeCluster().nodes().get().stream().filter(n -> n.id() != leader.id()).findFirst().orElseThrow();

            try (RawKafkaClient client = RawKafkaClient.connect(follower.host() + ":" + follower.port())) {
                short produceVersion = 12;
                ProduceRequestData produce = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000);
                ProduceRequestData.TopicProduceData tpd = new ProduceRequestData.TopicProduceData().setName(topic);
                tpd.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)))));
                produce.topicData().add(tpd);
                client.send(ApiKeys.PRODUCE, produceVersion, produce);
                ProduceResponseData pr = client.receive(ApiKeys.PRODUCE, produceVersion).as(ProduceResponseData.class);
                ProduceResponseData.PartitionProduceResponse partition = pr.responses().iterator().next().partitionResponses().get(0);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), partition.errorCode());
                assertEquals(leader.id(), partition.currentLeader().leaderId(), "Produce currentLeader is the virtual leader id");
                assertEquals(1, pr.nodeEndpoints().size());
                ProduceResponseData.NodeEndpoint e = pr.nodeEndpoints().iterator().next();
                assertEquals(leader.id(), e.nodeId());
                addresses.assertProxy("Produce NodeEndpoint", e.host(), e.port());
                assertEquals(leader.port(), e.port(), "the endpoint is the leader's proxy port");

                short fetchVersion = ApiKeys.FETCH.latestVersion();
                FetchRequestData fetch = new FetchRequestData().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1 << 20)
                    .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId(-1))
                    .setTopics(List.of(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)))));
                client.send(ApiKeys.FETCH, fetchVersion, fetch);
                FetchResponseData fr = client.receive(ApiKeys.FETCH, fetchVersion).as(FetchResponseData.class);
                FetchResponseData.PartitionData fp = fr.responses().get(0).partitions().get(0);
                assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), fp.errorCode());
                assertEquals(leader.id(), fp.currentLeader().leaderId());
                assertEquals(1, fr.nodeEndpoints().size());
                FetchResponseData.NodeEndpoint fe = fr.nodeEndpoints().iterator().next();
                addresses.assertProxy("Fetch NodeEndpoint", fe.host(), fe.port());
                assertEquals(leader.port(), fe.port());
            }
            assertTrue(proxy.metric("cutover_proxy_errors_total", "code=\"NOT_LEADER_OR_FOLLOWER\"", "origin=\"upstream\"") >= 2,
                "the leader errors show in the errors-by-code metric");
        }
    }
}
