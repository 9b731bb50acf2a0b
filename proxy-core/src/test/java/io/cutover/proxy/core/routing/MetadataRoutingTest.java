package io.cutover.proxy.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cutover.proxy.core.virtual.TopicIds;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.junit.jupiter.api.Test;

class MetadataRoutingTest {
    private final RoutingContext ctx = TwoClusterContext.create(31000);
    private final TopicIds ids = ctx.topicIds();
    private final ClientRoutes routes;

    MetadataRoutingTest() throws Exception {
        routes = RouteTable.initial().withRule(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "moved", ClientSelector.ANY, "target"))
            .forClient(new ClientSelector.ClientIdentity("c", InetAddress.getLoopbackAddress()));
    }

    private static MetadataResponseData answer(String cluster, int brokerId, Uuid topicId, String... topics) {
        MetadataResponseData r = new MetadataResponseData().setClusterId(cluster + "-real-id").setControllerId(brokerId);
        r.brokers().add(new MetadataResponseData.MetadataResponseBroker().setNodeId(brokerId).setHost(cluster + ".internal").setPort(9092));
        for (String t : topics) {
            MetadataResponseData.MetadataResponseTopic topic = new MetadataResponseData.MetadataResponseTopic().setName(t).setTopicId(topicId);
            topic.partitions().add(new MetadataResponseData.MetadataResponsePartition().setPartitionIndex(0).setLeaderId(brokerId)
                .setLeaderEpoch(17).setReplicaNodes(new ArrayList<>(List.of(brokerId))).setIsrNodes(new ArrayList<>(List.of(brokerId))));
            r.topics().add(topic);
        }
        return r;
    }

    @Test
    void eachTopicComesFromTheClusterItRoutesToWithAStableIdAndNoEpoch() {
        MetadataRequestData request = new MetadataRequestData().setTopics(List.of(
            new MetadataRequestData.MetadataRequestTopic().setName("moved"), new MetadataRequestData.MetadataRequestTopic().setName("stays")));
        MetadataRouting.Split split = MetadataRouting.split(request, (short) 12, routes, ctx);
        assertEquals(List.of("moved"), split.requests().get("target").topics().stream().map(t -> t.name()).toList());
        assertEquals(List.of("stays"), split.requests().get("source").topics().stream().map(t -> t.name()).toList());

        Uuid realOnTarget = Uuid.randomUuid();
        Uuid realOnSource = Uuid.randomUuid();
        Map<String, MetadataResponseData> answers = new LinkedHashMap<>();
        answers.put("source", answer("source", 1, realOnSource, "stays"));
        answers.put("target", answer("target", 1, realOnTarget, "moved"));
        MetadataResponseData merged = MetadataRouting.merge(split, answers, (short) 12, routes, ctx);

        assertEquals("virtual-cluster", merged.clusterId());
        assertEquals(1, merged.controllerId(), "the default cluster's controller");
        assertNotNull(merged.brokers().find(1));
        assertNotNull(merged.brokers().find(100_001), "target's broker 1 is virtual node 100001");
        MetadataResponseData.MetadataResponseTopic moved = merged.topics().find("moved");
        assertEquals(100_001, moved.partitions().get(0).leaderId());
        assertEquals(-1, moved.partitions().get(0).leaderEpoch(), "epochs are withheld so they never go backwards");
        assertEquals(ids.virtualId("moved"), moved.topicId());
        assertEquals(realOnTarget, ids.realId("target", "moved"), "the real id was learnt");
        assertEquals(1, merged.topics().find("stays").partitions().get(0).leaderId());
    }

    @Test
    void anAllTopicsRequestListsEachTopicOnceFromItsCluster() {
        MetadataRouting.Split split = MetadataRouting.split(new MetadataRequestData().setTopics(null), (short) 12, routes, ctx);
        assertEquals(2, split.requests().size());
        Map<String, MetadataResponseData> answers = new LinkedHashMap<>();
        answers.put("source", answer("source", 1, Uuid.randomUuid(), "moved", "stays"));
        answers.put("target", answer("target", 2, Uuid.randomUuid(), "moved", "stays"));
        MetadataResponseData merged = MetadataRouting.merge(split, answers, (short) 12, routes, ctx);
        assertEquals(2, merged.topics().size());
        assertEquals(100_002, merged.topics().find("moved").partitions().get(0).leaderId());
        assertEquals(1, merged.topics().find("stays").partitions().get(0).leaderId());
    }

    @Test
    void aClusterThatDidNotAnswerLeavesItsTopicsRetriableAndTheOthersServed() {
        MetadataRequestData request = new MetadataRequestData().setTopics(List.of(
            new MetadataRequestData.MetadataRequestTopic().setName("moved"), new MetadataRequestData.MetadataRequestTopic().setName("stays")));
        MetadataRouting.Split split = MetadataRouting.split(request, (short) 12, routes, ctx);
        Map<String, MetadataResponseData> answers = new LinkedHashMap<>();
        answers.put("source", answer("source", 1, Uuid.randomUuid(), "stays"));
        MetadataResponseData merged = MetadataRouting.merge(split, answers, java.util.Set.of("target"), (short) 12, routes, ctx);
        assertEquals(0, merged.topics().find("stays").errorCode());
        assertEquals(1, merged.topics().find("stays").partitions().get(0).leaderId());
        MetadataResponseData.MetadataResponseTopic moved = merged.topics().find("moved");
        assertEquals(org.apache.kafka.common.protocol.Errors.LEADER_NOT_AVAILABLE.code(), moved.errorCode(),
            "retriable: the target's clients wait for it instead of dropping the topic");
        assertEquals(ids.virtualId("moved"), moved.topicId());
        assertEquals(1, merged.controllerId());
    }

    @Test
    void anAllTopicsRequestWithOneClusterSilentListsWhatTheOtherRoutes() {
        MetadataRouting.Split split = MetadataRouting.split(new MetadataRequestData().setTopics(null), (short) 12, routes, ctx);
        Map<String, MetadataResponseData> answers = new LinkedHashMap<>();
        answers.put("target", answer("target", 2, Uuid.randomUuid(), "moved", "stays"));
        MetadataResponseData merged = MetadataRouting.merge(split, answers, java.util.Set.of("source"), (short) 12, routes, ctx);
        assertEquals(List.of("moved"), merged.topics().stream().map(t -> t.name()).toList(),
            "only what the answering cluster routes; the silent cluster's topics are not guessed");
        assertEquals(100_002, merged.controllerId(), "the controller comes from the cluster that answered (target broker 2)");
        assertEquals("virtual-cluster", merged.clusterId());
    }

    @Test
    void noClusterAnsweringAPerTopicRequestStillAnswersEveryTopic() {
        MetadataRequestData request = new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("moved")));
        MetadataRouting.Split split = MetadataRouting.split(request, (short) 12, routes, ctx);
        MetadataResponseData merged = MetadataRouting.merge(split, Map.of(), java.util.Set.of("target"), (short) 12, routes, ctx);
        assertEquals(org.apache.kafka.common.protocol.Errors.LEADER_NOT_AVAILABLE.code(), merged.topics().find("moved").errorCode());
        assertEquals(-1, merged.controllerId());
    }

    @Test
    void aTopicIdTheProxyNeverIssuedIsUnknown() {
        Uuid stranger = Uuid.randomUuid();
        MetadataRequestData request = new MetadataRequestData().setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setTopicId(stranger)));
        MetadataRouting.Split split = MetadataRouting.split(request, (short) 12, routes, ctx);
        assertEquals(1, split.unknownIds().size());
        assertNull(split.unknownIds().get(0).name());
        assertEquals(stranger, split.unknownIds().get(0).topicId());
    }
}
