package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_SOURCE;
import static io.cutover.proxy.core.routing.data.DataScopes.PAYMENTS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** Produce v12 names topics; v13+ names them by id, which clients take from the proxy's metadata (virtual ids). */
class ProduceRoutingTest {
    private static final short BY_NAME = 12;
    private static final short BY_ID = 13;

    private final DataScopes scopes = new DataScopes();

    private static TopicProduceData topic(String name, Uuid id, int... partitions) {
        TopicProduceData t = new TopicProduceData().setName(name).setTopicId(id);
        for (int p : partitions) {
            t.partitionData().add(new PartitionProduceData().setIndex(p));
        }
        return t;
    }

    private static ProduceRequestData request(TopicProduceData... topics) {
        ProduceRequestData r = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTransactionalId("tx");
        for (TopicProduceData t : topics) {
            r.topicData().add(t);
        }
        return r;
    }

    @Test
    void aRequestWhoseTopicsStayGoesUpstreamUntouched() {
        ProduceRequestData r = request(topic(STAYS, Uuid.ZERO_UUID, 0, 1));
        assertSame(Routed.UNCHANGED, ProduceRouting.route(r, BY_NAME, scopes.routing("source")));
        assertSame(Routed.UNCHANGED, ProduceRouting.route(r, BY_NAME, scopes.plain("source")));
    }

    @Test
    void byNameAMovedTopicIsTakenOutAndAnsweredNotLeader() {
        ProduceRequestData r = request(topic(STAYS, Uuid.ZERO_UUID, 0), topic(MOVED, Uuid.ZERO_UUID, 0, 3));
        Routed routed = ProduceRouting.route(r, BY_NAME, scopes.plain("source"));
        assertTrue(routed.changed());
        ProduceRequestData forward = (ProduceRequestData) routed.forward();
        assertEquals(List.of(STAYS), forward.topicData().stream().map(TopicProduceData::name).toList());
        assertEquals((short) -1, forward.acks(), "acks, timeout and transactional id go along");
        assertEquals(30_000, forward.timeoutMs());
        assertEquals("tx", forward.transactionalId());
        assertEquals(List.of(new Misrouted.Partition(MOVED, Uuid.ZERO_UUID, 0, Errors.NOT_LEADER_OR_FOLLOWER.code()),
            new Misrouted.Partition(MOVED, Uuid.ZERO_UUID, 3, Errors.NOT_LEADER_OR_FOLLOWER.code())), routed.misrouted().partitions());
    }

    @Test
    void onTheTargetConnectionTheSameTopicStaysAndTheOtherMoves() {
        Routed routed = ProduceRouting.route(request(topic(STAYS, Uuid.ZERO_UUID, 0), topic(MOVED, Uuid.ZERO_UUID, 0)), BY_NAME,
            scopes.plain("target"));
        assertEquals(List.of(MOVED), ((ProduceRequestData) routed.forward()).topicData().stream().map(TopicProduceData::name).toList());
        assertEquals(STAYS, routed.misrouted().partitions().get(0).topic());
    }

    @Test
    void whenEveryTopicMovedNothingGoesUpstreamAndTheProxyAnswers() {
        Routed routed = ProduceRouting.route(request(topic(MOVED, Uuid.ZERO_UUID, 2)), BY_NAME, scopes.plain("source"));
        assertTrue(routed.forwardsNothing());
        ProduceResponseData answer = ProduceRouting.answer(routed.misrouted());
        PartitionProduceResponse p = answer.responses().find(MOVED, Uuid.ZERO_UUID).partitionResponses().get(0);
        assertEquals(2, p.index());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), p.errorCode());
        assertEquals(-1, p.baseOffset());
        assertEquals(-1, p.logStartOffset());
    }

    @Test
    void byIdAVirtualIdGoesUpstreamAsThisClustersRealId() {
        Uuid virtual = scopes.virtual(STAYS);
        Routed routed = ProduceRouting.route(request(topic("", virtual, 0)), BY_ID, scopes.routing("source"));
        assertTrue(routed.changed());
        assertNull(routed.misrouted());
        TopicProduceData forwarded = ((ProduceRequestData) routed.forward()).topicData().iterator().next();
        assertEquals(ORDERS_ON_SOURCE, forwarded.topicId());
        assertNotNull(((ProduceRequestData) routed.forward()).topicData().find("", ORDERS_ON_SOURCE),
            "findable under its new key: the topic was added anew, not edited in place");
    }

    @Test
    void byIdAMovedTopicIsAnsweredWithTheIdTheClientSent() {
        Uuid virtual = scopes.virtual(MOVED);
        Routed routed = ProduceRouting.route(request(topic("", scopes.virtual(STAYS), 0), topic("", virtual, 1)), BY_ID,
            scopes.routing("source"));
        assertEquals(List.of(new Misrouted.Partition("", virtual, 1, Errors.NOT_LEADER_OR_FOLLOWER.code())),
            routed.misrouted().partitions());
        assertEquals(1, ((ProduceRequestData) routed.forward()).topicData().size());
    }

    @Test
    void byIdAnIdTheProxyNeverIssuedIsUnknown() {
        Uuid stranger = new Uuid(9, 9);
        Routed routed = ProduceRouting.route(request(topic("", stranger, 0)), BY_ID, scopes.routing("source"));
        assertTrue(routed.forwardsNothing());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), routed.misrouted().partitions().get(0).errorCode());
    }

    @Test
    void byIdATopicWhoseRealIdIsNotLearntYetIsUnknownRatherThanSentWithAVirtualId() {
        scopes.ids.virtualId("fresh"); // issued to clients, never seen in this cluster's metadata
        Routed routed = ProduceRouting.route(request(topic("", scopes.virtual("fresh"), 0)), BY_ID, scopes.routing("source"));
        assertTrue(routed.forwardsNothing());
        assertEquals(Errors.UNKNOWN_TOPIC_ID.code(), routed.misrouted().partitions().get(0).errorCode());
    }

    @Test
    void byIdWithoutVirtualisingTheIdGoesAsTheClientSentIt() {
        assertSame(Routed.UNCHANGED, ProduceRouting.route(request(topic("", scopes.virtual(STAYS), 0)), BY_ID, scopes.plain("source")));
    }

    @Test
    void anAnswerByIdCarriesVirtualIdsNoEpochsAndTheTakenOutPartitions() {
        ProduceResponseData response = new ProduceResponseData();
        TopicProduceResponse t = new TopicProduceResponse().setTopicId(PAYMENTS_ON_TARGET).setName("");
        PartitionProduceResponse p = new PartitionProduceResponse().setIndex(0).setBaseOffset(41);
        p.currentLeader().setLeaderId(7).setLeaderEpoch(12);
        t.partitionResponses().add(p);
        response.responses().add(t);
        Misrouted misrouted = new Misrouted();
        misrouted.add("", scopes.virtual(STAYS), 4, Errors.NOT_LEADER_OR_FOLLOWER.code());

        assertTrue(ProduceRouting.complete(response, BY_ID, misrouted, "target", scopes.ids, true));

        TopicProduceResponse virtualised = response.responses().find("", scopes.virtual(MOVED));
        assertNotNull(virtualised, "the real id became the virtual one, under the collection's new key");
        assertEquals(41, virtualised.partitionResponses().get(0).baseOffset());
        assertEquals(-1, virtualised.partitionResponses().get(0).currentLeader().leaderEpoch());
        assertEquals(7, virtualised.partitionResponses().get(0).currentLeader().leaderId(), "node ids are the node rewriter's job");
        PartitionProduceResponse taken = response.responses().find("", scopes.virtual(STAYS)).partitionResponses().get(0);
        assertEquals(4, taken.index());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), taken.errorCode());
    }

    @Test
    void anAnswerByNameKeepsItsNamesAndIsUnchangedWithoutEpochsOrMisroutes() {
        ProduceResponseData response = new ProduceResponseData();
        TopicProduceResponse t = new TopicProduceResponse().setName(STAYS);
        t.partitionResponses().add(new PartitionProduceResponse().setIndex(0));
        response.responses().add(t);
        assertFalse(ProduceRouting.complete(response, BY_NAME, null, "source", scopes.ids, true));
        assertEquals(Uuid.ZERO_UUID, response.responses().find(STAYS, Uuid.ZERO_UUID).topicId());
        assertFalse(ProduceRouting.complete(response, BY_NAME, new Misrouted(), "source", scopes.ids, false));
    }

    @Test
    void anIdempotentBatchWithoutARealProducerIdAtHandIsAnsweredRetriablyAndTheRestGoes() {
        ProducerIdMapper producers = new ProducerIdMapper("source", ProducerIdStore.none(), List.of(), System::currentTimeMillis);
        RequestScope scope = new RequestScope("target", scopes.routes, scopes.ids, true, producers, cluster -> null, null, null);
        TopicProduceData moved = topic(MOVED, Uuid.ZERO_UUID);
        moved.partitionData().add(new PartitionProduceData().setIndex(0).setRecords(MemoryRecords.withIdempotentRecords((byte) 2, 0L,
            Compression.NONE, 4711L, (short) 0, 0, 0, new SimpleRecord("v".getBytes()))));
        moved.partitionData().add(new PartitionProduceData().setIndex(1).setRecords(MemoryRecords.withRecords(Compression.NONE,
            new SimpleRecord("not idempotent".getBytes()))));

        Routed routed = ProduceRouting.route(request(moved), BY_NAME, scope);

        assertEquals(List.of(new Misrouted.Partition(MOVED, Uuid.ZERO_UUID, 0, Errors.NOT_ENOUGH_REPLICAS.code())),
            routed.misrouted().partitions(), "retriable: the same batch comes back once a real id is at hand");
        TopicProduceData forwarded = ((ProduceRequestData) routed.forward()).topicData().find(MOVED, Uuid.ZERO_UUID);
        assertEquals(List.of(1), forwarded.partitionData().stream().map(PartitionProduceData::index).toList());
    }
}
