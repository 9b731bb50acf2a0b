package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_SOURCE;
import static io.cutover.proxy.core.routing.data.DataScopes.PAYMENTS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.junit.jupiter.api.Test;

/** Clients see virtual topic ids and no epochs; each cluster sees its real ids. */
class IdentityRewritingTest {
    private final DataScopes scopes = new DataScopes();

    @Test
    void anOffsetCommitGoesWithRealIdsAndWithoutEpochs() {
        OffsetCommitRequestData r = new OffsetCommitRequestData().setGroupId("g");
        OffsetCommitRequestTopic byId = new OffsetCommitRequestTopic().setTopicId(scopes.virtual(STAYS));
        byId.partitions().add(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5).setCommittedLeaderEpoch(8));
        OffsetCommitRequestTopic byName = new OffsetCommitRequestTopic().setName(MOVED).setTopicId(Uuid.ZERO_UUID);
        byName.partitions().add(new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedLeaderEpoch(3));
        Uuid stranger = new Uuid(9, 9);
        OffsetCommitRequestTopic unknown = new OffsetCommitRequestTopic().setTopicId(stranger);
        r.setTopics(new ArrayList<>(List.of(byId, byName, unknown)));

        IdentityRewriting.offsetCommitRequest(r, scopes.routing("source"));

        assertEquals(ORDERS_ON_SOURCE, byId.topicId());
        assertEquals(-1, byId.partitions().get(0).committedLeaderEpoch());
        assertEquals(5, byId.partitions().get(0).committedOffset());
        assertEquals(Uuid.ZERO_UUID, byName.topicId(), "v9 and older name topics: no id is made up");
        assertEquals(-1, byName.partitions().get(0).committedLeaderEpoch());
        assertEquals(stranger, unknown.topicId(), "an id the proxy cannot translate goes as it is, for the broker to refuse");
    }

    @Test
    void anOffsetCommitAnswerCarriesVirtualIds() {
        OffsetCommitResponseData r = new OffsetCommitResponseData();
        r.topics().add(new OffsetCommitResponseTopic().setTopicId(PAYMENTS_ON_TARGET));
        IdentityRewriting.offsetCommitResponse(r, "target", scopes.ids);
        assertEquals(scopes.virtual(MOVED), r.topics().get(0).topicId());
    }

    @Test
    void aTransactionalCommitGoesWithoutEpochs() {
        TxnOffsetCommitRequestData r = new TxnOffsetCommitRequestData();
        TxnOffsetCommitRequestTopic t = new TxnOffsetCommitRequestTopic().setName(STAYS);
        t.partitions().add(new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedLeaderEpoch(4).setCommittedOffset(9));
        r.topics().add(t);
        IdentityRewriting.txnOffsetCommitRequest(r);
        assertEquals(-1, t.partitions().get(0).committedLeaderEpoch());
        assertEquals(9, t.partitions().get(0).committedOffset());
    }

    @Test
    void anOffsetFetchAsksByRealIdAndAnswersByVirtualIdWithoutEpochs() {
        OffsetFetchRequestData request = new OffsetFetchRequestData();
        OffsetFetchRequestTopics asked = new OffsetFetchRequestTopics().setTopicId(scopes.virtual(MOVED));
        request.groups().add(new OffsetFetchRequestGroup().setGroupId("g").setTopics(new ArrayList<>(List.of(asked))));
        request.groups().add(new OffsetFetchRequestGroup().setGroupId("all-topics").setTopics(null));
        IdentityRewriting.offsetFetchRequest(request, scopes.routing("target"));
        assertEquals(PAYMENTS_ON_TARGET, asked.topicId());
        assertNull(request.groups().get(1).topics(), "null asks for all topics and stays null");

        OffsetFetchResponseData response = new OffsetFetchResponseData();
        OffsetFetchResponseTopics answered = new OffsetFetchResponseTopics().setTopicId(PAYMENTS_ON_TARGET);
        answered.partitions().add(new OffsetFetchResponsePartitions().setPartitionIndex(0).setCommittedOffset(12).setCommittedLeaderEpoch(6));
        response.groups().add(new OffsetFetchResponseGroup().setGroupId("g").setTopics(new ArrayList<>(List.of(answered))));
        IdentityRewriting.offsetFetchResponse(response, "target", scopes.ids);
        assertEquals(scopes.virtual(MOVED), answered.topicId());
        assertEquals(-1, answered.partitions().get(0).committedLeaderEpoch());
        assertEquals(12, answered.partitions().get(0).committedOffset());
    }

    @Test
    void aKip848HeartbeatSubscribesByRealIdAndIsAssignedByVirtualId() {
        ConsumerGroupHeartbeatRequestData request = new ConsumerGroupHeartbeatRequestData().setGroupId("g");
        request.setTopicPartitions(new ArrayList<>(List.of(
            new ConsumerGroupHeartbeatRequestData.TopicPartitions().setTopicId(scopes.virtual(STAYS)))));
        IdentityRewriting.consumerGroupHeartbeatRequest(request, scopes.routing("source"));
        assertEquals(ORDERS_ON_SOURCE, request.topicPartitions().get(0).topicId());

        ConsumerGroupHeartbeatResponseData response = new ConsumerGroupHeartbeatResponseData()
            .setAssignment(new ConsumerGroupHeartbeatResponseData.Assignment());
        response.assignment().topicPartitions().add(new ConsumerGroupHeartbeatResponseData.TopicPartitions().setTopicId(ORDERS_ON_SOURCE)
            .setPartitions(new ArrayList<>(List.of(0, 1))));
        IdentityRewriting.consumerGroupHeartbeatResponse(response, "source", scopes.ids);
        assertEquals(scopes.virtual(STAYS), response.assignment().topicPartitions().get(0).topicId());
        assertEquals(List.of(0, 1), response.assignment().topicPartitions().get(0).partitions());
    }

    @Test
    void aCreatedTopicIsLearntAndAnsweredWithItsVirtualId() {
        Uuid real = new Uuid(5, 5);
        CreateTopicsResponseData r = new CreateTopicsResponseData();
        r.topics().add(new CreatableTopicResult().setName("fresh").setTopicId(real));
        r.topics().add(new CreatableTopicResult().setName("refused").setTopicId(Uuid.ZERO_UUID));
        IdentityRewriting.createTopicsResponse(r, "target", scopes.ids);
        assertEquals(scopes.virtual("fresh"), r.topics().find("fresh").topicId());
        assertEquals(real, scopes.ids.realOfVirtual("target", scopes.virtual("fresh")), "learnt: requests by the new id route at once");
        assertEquals(Uuid.ZERO_UUID, r.topics().find("refused").topicId());
    }

    @Test
    void aDeletionNamesRealIdsUpstreamAndVirtualIdsBack() {
        DeleteTopicsRequestData request = new DeleteTopicsRequestData();
        request.topics().add(new DeleteTopicsRequestData.DeleteTopicState().setTopicId(scopes.virtual(STAYS)));
        IdentityRewriting.deleteTopicsRequest(request, scopes.routing("source"));
        assertEquals(ORDERS_ON_SOURCE, request.topics().get(0).topicId());

        DeleteTopicsResponseData response = new DeleteTopicsResponseData();
        response.responses().add(new DeletableTopicResult().setName(STAYS).setTopicId(ORDERS_ON_SOURCE));
        IdentityRewriting.deleteTopicsResponse(response, "source", scopes.ids);
        assertEquals(scopes.virtual(STAYS), response.responses().find(STAYS).topicId());
    }
}
