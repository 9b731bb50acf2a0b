package io.cutover.proxy.core.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.node.AdvertisedAddresses;
import io.cutover.proxy.core.node.BrokerHostPattern;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.VirtualNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ShareAcknowledgeResponseData;
import org.apache.kafka.common.message.ShareFetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class RewritersTest {
    private final NodeRegistry registry = TestNodes.registry();
    private final ClusterNodeMapper target = TestNodes.target(registry);
    private final List<Short> errors = new ArrayList<>();
    private final RewriteContext counting = RewriteContext.plain("target", target, errors::add);
    private final RewriteContext quiet = RewriteContext.plain("target", target, ErrorCounter.NONE);

    private MetadataResponseData metadata() {
        MetadataResponseData m = new MetadataResponseData().setControllerId(2).setClusterId("real-cluster");
        for (int id = 1; id <= 3; id++) {
            m.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(id).setHost("broker-" + id + ".internal")
                .setPort(9092).setRack("rack-" + id));
        }
        MetadataResponseData.MetadataResponseTopic t = new MetadataResponseData.MetadataResponseTopic().setName("orders");
        t.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(0).setLeaderId(3)
            .setReplicaNodes(new ArrayList<>(List.of(3, 1, 2))).setIsrNodes(new ArrayList<>(List.of(3, 1)))
            .setOfflineReplicas(new ArrayList<>(List.of(2))));
        t.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(1).setLeaderId(-1)
            .setErrorCode(Errors.LEADER_NOT_AVAILABLE.code()));
        m.topics().add(t);
        return m;
    }

    @Test
    void metadataNamesOnlyTheProxyAndVirtualIds() {
        MetadataResponseData m = metadata();
        assertTrue(new MetadataRewriter().rewrite(m, (short) 12, counting));
        assertEquals(3, m.brokers().size());
        for (int id = 1; id <= 3; id++) {
            MetadataResponseData.MetadataResponseBroker b = m.brokers().find(1000 + id);
            assertNotNull(b, "broker " + id + " is findable under its new key: the collection was rebuilt, not mutated");
            assertEquals(TestNodes.PROXY_HOST, b.host());
            assertEquals(registry.byVirtualId(1000 + id).port(), b.port());
            assertEquals("rack-" + id, b.rack());
        }
        assertNull(m.brokers().find(1), "no upstream id left");
        assertEquals(1002, m.controllerId());
        MetadataResponseData.MetadataResponsePartition p = m.topics().find("orders").partitions().get(0);
        assertEquals(1003, p.leaderId());
        assertEquals(List.of(1003, 1001, 1002), p.replicaNodes());
        assertEquals(List.of(1003, 1001), p.isrNodes());
        assertEquals(List.of(1002), p.offlineReplicas());
        assertEquals(-1, m.topics().find("orders").partitions().get(1).leaderId(), "no leader stays no leader");
        assertEquals(List.of(Errors.LEADER_NOT_AVAILABLE.code()), errors);
    }

    @Test
    void metadataKeepsEachBrokersPortAcrossResponses() {
        MetadataResponseData first = metadata();
        new MetadataRewriter().rewrite(first, (short) 12, quiet);
        MetadataResponseData second = metadata();
        second.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(4).setHost("broker-4.internal").setPort(9092));
        new MetadataRewriter().rewrite(second, (short) 12, quiet);
        for (int id = 1; id <= 3; id++) {
            assertEquals(first.brokers().find(1000 + id).port(), second.brokers().find(1000 + id).port(), "a new broker renumbers nothing");
        }
        assertEquals(registry.byVirtualId(1004).port(), second.brokers().find(1004).port());
    }

    @Test
    void underSniEveryNodeIsAdvertisedByItsNameOnTheOnePort() {
        ClusterNodeMapper byName = new ClusterNodeMapper(registry, "target",
            AdvertisedAddresses.byServerName(BrokerHostPattern.parse("broker-$(nodeId).kafka.test"), () -> 9443));
        RewriteContext sni = RewriteContext.plain("target", byName, ErrorCounter.NONE);
        MetadataResponseData m = metadata();
        new MetadataRewriter().rewrite(m, (short) 12, sni);
        for (int id = 1; id <= 3; id++) {
            MetadataResponseData.MetadataResponseBroker b = m.brokers().find(1000 + id);
            assertEquals("broker-" + (1000 + id) + ".kafka.test", b.host(), "the virtual id names the broker");
            assertEquals(9443, b.port());
        }
        FindCoordinatorResponseData single = new FindCoordinatorResponseData().setNodeId(2).setHost("broker-2.internal").setPort(9092);
        new FindCoordinatorRewriter().rewrite(single, (short) 3, sni);
        assertEquals("broker-1002.kafka.test", single.host());
        assertEquals(9443, single.port());
        DescribeClusterResponseData d = new DescribeClusterResponseData().setControllerId(1).setEndpointType((byte) 1);
        d.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(3).setHost("broker-3.internal").setPort(9092));
        new DescribeClusterRewriter().rewrite(d, (short) 2, sni);
        assertEquals("broker-1003.kafka.test", d.brokers().find(1003).host());
        assertEquals(9443, d.brokers().find(1003).port());
        ProduceResponseData produce = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponse tp = new ProduceResponseData.TopicProduceResponse().setName("orders");
        ProduceResponseData.PartitionProduceResponse p = new ProduceResponseData.PartitionProduceResponse().setIndex(0)
            .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        p.currentLeader().setLeaderId(3).setLeaderEpoch(7);
        tp.partitionResponses().add(p);
        produce.responses().add(tp);
        produce.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(3).setHost("broker-3.internal").setPort(9092));
        LeaderHintRewriters.PRODUCE.rewrite(produce, (short) 12, sni);
        assertEquals("broker-1003.kafka.test", produce.nodeEndpoints().find(1003).host(), "leader hints name the broker too");
        assertEquals(9443, produce.nodeEndpoints().find(1003).port());
    }

    @Test
    void findCoordinatorSingleAndBatched() {
        FindCoordinatorResponseData single = new FindCoordinatorResponseData().setNodeId(2).setHost("broker-2.internal").setPort(9092);
        new FindCoordinatorRewriter().rewrite(single, (short) 3, quiet);
        assertEquals(1002, single.nodeId());
        assertEquals(TestNodes.PROXY_HOST, single.host());
        assertEquals(registry.byVirtualId(1002).port(), single.port());

        FindCoordinatorResponseData batched = new FindCoordinatorResponseData();
        batched.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey("g1").setNodeId(1).setHost("broker-1.internal").setPort(9092));
        batched.coordinators().add(new FindCoordinatorResponseData.Coordinator().setKey("g2").setNodeId(-1).setHost("").setPort(-1)
            .setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
        new FindCoordinatorRewriter().rewrite(batched, (short) 6, counting);
        assertEquals(1001, batched.coordinators().get(0).nodeId());
        assertEquals(TestNodes.PROXY_HOST, batched.coordinators().get(0).host());
        assertEquals(-1, batched.coordinators().get(1).nodeId(), "an errored coordinator is left alone");
        assertEquals(List.of(Errors.COORDINATOR_NOT_AVAILABLE.code()), errors);
    }

    @Test
    void describeClusterBrokersAndControllerEndpointsRefused() {
        DescribeClusterResponseData d = new DescribeClusterResponseData().setControllerId(1).setEndpointType((byte) 1);
        d.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(1).setHost("broker-1.internal").setPort(9092));
        new DescribeClusterRewriter().rewrite(d, (short) 2, quiet);
        assertNotNull(d.brokers().find(1001));
        assertEquals(TestNodes.PROXY_HOST, d.brokers().find(1001).host());
        assertEquals(1001, d.controllerId());

        DescribeClusterResponseData controllers = new DescribeClusterResponseData().setEndpointType((byte) 2).setControllerId(5);
        controllers.brokers().add(new DescribeClusterResponseData.DescribeClusterBroker().setBrokerId(5).setHost("controller.internal").setPort(9093));
        new DescribeClusterRewriter().rewrite(controllers, (short) 2, quiet);
        assertEquals(Errors.UNSUPPORTED_ENDPOINT_TYPE.code(), controllers.errorCode());
        assertTrue(controllers.brokers().isEmpty(), "no controller address leaks");
    }

    @Test
    void produceAndFetchWithoutLeaderHintsAreLeftAsBytes() {
        ProduceResponseData produce = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponse tp = new ProduceResponseData.TopicProduceResponse().setName("orders");
        tp.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(0).setBaseOffset(42));
        produce.responses().add(tp);
        assertFalse(LeaderHintRewriters.PRODUCE.rewrite(produce, (short) 12, quiet));

        FetchResponseData fetch = new FetchResponseData();
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("orders")
            .setPartitions(List.of(new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(10))));
        assertFalse(LeaderHintRewriters.FETCH.rewrite(fetch, (short) 17, quiet));
    }

    @Test
    void produceLeaderHintsBecomeTheProxys() {
        ProduceResponseData produce = new ProduceResponseData();
        ProduceResponseData.TopicProduceResponse tp = new ProduceResponseData.TopicProduceResponse().setName("orders");
        ProduceResponseData.PartitionProduceResponse p = new ProduceResponseData.PartitionProduceResponse().setIndex(0)
            .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        p.currentLeader().setLeaderId(3).setLeaderEpoch(7);
        tp.partitionResponses().add(p);
        produce.responses().add(tp);
        produce.nodeEndpoints().add(new ProduceResponseData.NodeEndpoint().setNodeId(3).setHost("broker-3.internal").setPort(9092));
        assertTrue(LeaderHintRewriters.PRODUCE.rewrite(produce, (short) 12, counting));
        assertEquals(1003, p.currentLeader().leaderId());
        ProduceResponseData.NodeEndpoint e = produce.nodeEndpoints().find(1003);
        assertNotNull(e);
        assertEquals(TestNodes.PROXY_HOST, e.host());
        VirtualNode node = registry.byVirtualId(1003);
        assertEquals(node.port(), e.port());
        assertEquals("broker-3.internal", node.upstreamHost(), "the registry learnt the address from the hint");
        assertEquals(List.of(Errors.NOT_LEADER_OR_FOLLOWER.code()), errors);
    }

    @Test
    void fetchLeaderHintsAndPreferredReplicaBecomeTheProxys() {
        FetchResponseData.PartitionData p = new FetchResponseData.PartitionData().setPartitionIndex(0)
            .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code()).setPreferredReadReplica(2);
        p.currentLeader().setLeaderId(1).setLeaderEpoch(3);
        FetchResponseData fetch = new FetchResponseData();
        fetch.responses().add(new FetchResponseData.FetchableTopicResponse().setTopic("orders").setPartitions(List.of(p)));
        fetch.nodeEndpoints().add(new FetchResponseData.NodeEndpoint().setNodeId(1).setHost("broker-1.internal").setPort(9092));
        assertTrue(LeaderHintRewriters.FETCH.rewrite(fetch, (short) 17, quiet));
        assertEquals(1001, p.currentLeader().leaderId());
        assertEquals(1002, p.preferredReadReplica());
        assertEquals(TestNodes.PROXY_HOST, fetch.nodeEndpoints().find(1001).host());
    }

    @Test
    void shareFetchLeaderHintsBecomeTheProxysAndErrorsAreCounted() {
        ShareFetchResponseData.PartitionData p = new ShareFetchResponseData.PartitionData().setPartitionIndex(0)
            .setErrorCode(Errors.NOT_LEADER_OR_FOLLOWER.code());
        p.currentLeader().setLeaderId(2).setLeaderEpoch(4);
        ShareFetchResponseData fetch = new ShareFetchResponseData().setErrorCode(Errors.GROUP_AUTHORIZATION_FAILED.code());
        fetch.responses().add(new ShareFetchResponseData.ShareFetchableTopicResponse().setPartitions(List.of(p)));
        fetch.nodeEndpoints().add(new ShareFetchResponseData.NodeEndpoint().setNodeId(2).setHost("broker-2.internal").setPort(9092)
            .setRack("rack-2"));
        assertTrue(LeaderHintRewriters.SHARE_FETCH.rewrite(fetch, (short) 1, counting));
        assertEquals(1002, p.currentLeader().leaderId());
        assertEquals(4, p.currentLeader().leaderEpoch(), "epochs are not node ids");
        ShareFetchResponseData.NodeEndpoint e = fetch.nodeEndpoints().find(1002);
        assertNotNull(e, "findable under its new key");
        assertEquals(TestNodes.PROXY_HOST, e.host());
        assertEquals(registry.byVirtualId(1002).port(), e.port());
        assertEquals("rack-2", e.rack());
        assertEquals(List.of(Errors.GROUP_AUTHORIZATION_FAILED.code(), Errors.NOT_LEADER_OR_FOLLOWER.code()), errors);
    }

    @Test
    void shareAcknowledgeWithoutHintsIsLeftAsBytesAndWithHintsRewritten() {
        ShareAcknowledgeResponseData.PartitionData p = new ShareAcknowledgeResponseData.PartitionData().setPartitionIndex(0);
        p.currentLeader().setLeaderId(-1); // the generated default is 0, a real node id
        ShareAcknowledgeResponseData ack = new ShareAcknowledgeResponseData();
        ack.responses().add(new ShareAcknowledgeResponseData.ShareAcknowledgeTopicResponse().setPartitions(List.of(p)));
        assertFalse(LeaderHintRewriters.SHARE_ACKNOWLEDGE.rewrite(ack, (short) 1, quiet));

        p.currentLeader().setLeaderId(3);
        ack.nodeEndpoints().add(new ShareAcknowledgeResponseData.NodeEndpoint().setNodeId(3).setHost("broker-3.internal").setPort(9092));
        assertTrue(LeaderHintRewriters.SHARE_ACKNOWLEDGE.rewrite(ack, (short) 1, quiet));
        assertEquals(1003, p.currentLeader().leaderId());
        assertEquals(TestNodes.PROXY_HOST, ack.nodeEndpoints().find(1003).host());
        assertNull(ack.nodeEndpoints().find(3), "no upstream id left");
    }
}
