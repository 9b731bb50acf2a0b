package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_SOURCE;
import static io.cutover.proxy.core.routing.data.DataScopes.ORDERS_ON_TARGET;
import static io.cutover.proxy.core.routing.data.DataScopes.PAYMENTS_ON_SOURCE;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.junit.jupiter.api.Test;

/** Fetch v12 names topics; v13+ names them by id. */
class FetchRoutingTest {
    private static final short BY_NAME = 12;
    private static final short BY_ID = 13;

    private final DataScopes scopes = new DataScopes();

    private static FetchTopic topic(String name, Uuid id, int... partitions) {
        FetchTopic t = new FetchTopic().setTopic(name).setTopicId(id);
        for (int p : partitions) {
            t.partitions().add(new FetchPartition().setPartition(p).setCurrentLeaderEpoch(5).setLastFetchedEpoch(4).setFetchOffset(100));
        }
        return t;
    }

    private static FetchRequestData request(FetchTopic... topics) {
        return new FetchRequestData().setMaxWaitMs(500).setTopics(new ArrayList<>(List.of(topics)));
    }

    @Test
    void withOneClusterARequestWhoseTopicsStayIsUntouched() {
        assertSame(Routed.UNCHANGED, FetchRouting.route(request(topic(STAYS, Uuid.ZERO_UUID, 0)), BY_NAME, scopes.plain("source")));
    }

    @Test
    void whenRoutingLeaderEpochsAreWithheldSoNoFencingFiresAfterAMove() {
        FetchRequestData r = request(topic(STAYS, Uuid.ZERO_UUID, 0));
        Routed routed = FetchRouting.route(r, BY_NAME, scopes.routing("source"));
        assertTrue(routed.changed());
        assertNull(routed.misrouted());
        FetchPartition p = ((FetchRequestData) routed.forward()).topics().get(0).partitions().get(0);
        assertEquals(-1, p.currentLeaderEpoch());
        assertEquals(-1, p.lastFetchedEpoch());
        assertEquals(100, p.fetchOffset());
        assertEquals(500, ((FetchRequestData) routed.forward()).maxWaitMs(), "nothing misrouted: the broker may wait as asked");
    }

    @Test
    void byNameAMovedTopicIsTakenOutAndTheBrokerMayNotHoldTheAnswer() {
        Routed routed = FetchRouting.route(request(topic(STAYS, Uuid.ZERO_UUID, 0), topic(MOVED, Uuid.ZERO_UUID, 1, 2)), BY_NAME,
            scopes.plain("source"));
        FetchRequestData forward = (FetchRequestData) routed.forward();
        assertEquals(List.of(STAYS), forward.topics().stream().map(FetchTopic::topic).toList());
        assertEquals(0, forward.maxWaitMs(), "the client is waiting to hear it must move");
        assertEquals(List.of(new Misrouted.Partition(MOVED, Uuid.ZERO_UUID, 1, Errors.NOT_LEADER_OR_FOLLOWER.code()),
            new Misrouted.Partition(MOVED, Uuid.ZERO_UUID, 2, Errors.NOT_LEADER_OR_FOLLOWER.code())), routed.misrouted().partitions());
    }

    @Test
    void byIdVirtualIdsGoUpstreamAsTheConnectionsClusterRealIds() {
        Routed onSource = FetchRouting.route(request(topic("", scopes.virtual(STAYS), 0)), BY_ID, scopes.routing("source"));
        assertEquals(ORDERS_ON_SOURCE, ((FetchRequestData) onSource.forward()).topics().get(0).topicId());
        Routed onTarget = FetchRouting.route(request(topic("", scopes.virtual(MOVED), 0)), BY_ID, scopes.routing("target"));
        assertEquals(DataScopes.PAYMENTS_ON_TARGET, ((FetchRequestData) onTarget.forward()).topics().get(0).topicId());
    }

    @Test
    void byIdMovedAndUnknownIdsAreAnsweredEachWithItsError() {
        Uuid stranger = new Uuid(9, 9);
        Routed routed = FetchRouting.route(request(topic("", scopes.virtual(MOVED), 0), topic("", stranger, 3)), BY_ID,
            scopes.routing("source"));
        assertTrue(((FetchRequestData) routed.forward()).topics().isEmpty());
        assertEquals(List.of(new Misrouted.Partition("", scopes.virtual(MOVED), 0, Errors.NOT_LEADER_OR_FOLLOWER.code()),
            new Misrouted.Partition("", stranger, 3, Errors.UNKNOWN_TOPIC_ID.code())), routed.misrouted().partitions());
    }

    @Test
    void byIdForgottenTopicsAreTranslatedAndThoseWithoutARealIdDropped() {
        FetchRequestData r = request(topic("", scopes.virtual(STAYS), 0));
        r.setForgottenTopicsData(new ArrayList<>(List.of(
            new ForgottenTopic().setTopicId(scopes.virtual(MOVED)).setPartitions(new ArrayList<>(List.of(1))),
            new ForgottenTopic().setTopicId(new Uuid(9, 9)).setPartitions(new ArrayList<>(List.of(0))))));
        FetchRequestData forward = (FetchRequestData) FetchRouting.route(r, BY_ID, scopes.routing("source")).forward();
        assertEquals(1, forward.forgottenTopicsData().size());
        assertEquals(PAYMENTS_ON_SOURCE, forward.forgottenTopicsData().get(0).topicId());
        assertEquals(List.of(1), forward.forgottenTopicsData().get(0).partitions());
    }

    @Test
    void byNameForgottenTopicsAreLeftAlone() {
        FetchRequestData r = request(topic(STAYS, Uuid.ZERO_UUID, 0));
        r.setForgottenTopicsData(new ArrayList<>(List.of(new ForgottenTopic().setTopic(MOVED).setPartitions(new ArrayList<>(List.of(1))))));
        FetchRequestData forward = (FetchRequestData) FetchRouting.route(r, BY_NAME, scopes.routing("source")).forward();
        assertEquals(MOVED, forward.forgottenTopicsData().get(0).topic());
    }

    @Test
    void aSessionResetMakesTheClientStartAFullFetch() {
        FetchResponseData reset = FetchRouting.sessionReset();
        assertEquals(Errors.FETCH_SESSION_ID_NOT_FOUND.code(), reset.errorCode());
        assertEquals(0, reset.sessionId());
    }

    private static MemoryRecords records(int leaderEpoch) {
        return MemoryRecords.withRecords((byte) 2, 0L, Compression.NONE, TimestampType.CREATE_TIME, -1L, (short) -1, -1, leaderEpoch,
            false, new SimpleRecord("v".getBytes()));
    }

    @Test
    void anAnswerByIdCarriesVirtualIdsAndNoEpochsAnywhere() {
        PartitionData p = new PartitionData().setPartitionIndex(0).setHighWatermark(10).setRecords(records(17));
        p.currentLeader().setLeaderId(2).setLeaderEpoch(17);
        p.divergingEpoch().setEpoch(16).setEndOffset(8);
        FetchResponseData response = new FetchResponseData();
        response.responses().add(new FetchableTopicResponse().setTopicId(ORDERS_ON_TARGET).setPartitions(new ArrayList<>(List.of(p))));

        assertTrue(FetchRouting.complete(response, BY_ID, null, "target", scopes.ids, true));

        assertEquals(scopes.virtual(STAYS), response.responses().get(0).topicId());
        assertEquals(-1, p.currentLeader().leaderEpoch());
        assertEquals(2, p.currentLeader().leaderId());
        assertEquals(-1, p.divergingEpoch().epoch());
        assertEquals(-1, p.divergingEpoch().endOffset());
        var batch = ((MemoryRecords) p.records()).batches().iterator().next();
        assertEquals(-1, batch.partitionLeaderEpoch());
        batch.ensureValid();
    }

    @Test
    void anAnswerForAnotherClustersRealIdKeepsIt() {
        FetchResponseData response = new FetchResponseData();
        response.responses().add(new FetchableTopicResponse().setTopicId(ORDERS_ON_SOURCE)
            .setPartitions(new ArrayList<>(List.of(new PartitionData().setPartitionIndex(0)))));
        assertFalse(FetchRouting.complete(response, BY_ID, null, "target", scopes.ids, true),
            "a source id is not a target id; nothing to translate, no epochs to withhold");
        assertEquals(ORDERS_ON_SOURCE, response.responses().get(0).topicId());
    }

    @Test
    void anAnswerGetsTheTakenOutPartitionsWithEmptyRecords() {
        FetchResponseData response = new FetchResponseData();
        Misrouted misrouted = new Misrouted();
        misrouted.add(MOVED, Uuid.ZERO_UUID, 5, Errors.NOT_LEADER_OR_FOLLOWER.code());
        assertTrue(FetchRouting.complete(response, BY_NAME, misrouted, "source", scopes.ids, false));
        FetchableTopicResponse t = response.responses().get(0);
        assertEquals(MOVED, t.topic());
        PartitionData p = t.partitions().get(0);
        assertEquals(5, p.partitionIndex());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), p.errorCode());
        assertEquals(-1, p.highWatermark());
        assertEquals(MemoryRecords.EMPTY, p.records());
    }

    @Test
    void withoutVirtualisingAnAnswerIsLeftAsItIs() {
        PartitionData p = new PartitionData().setPartitionIndex(0);
        p.currentLeader().setLeaderEpoch(17);
        FetchResponseData response = new FetchResponseData();
        response.responses().add(new FetchableTopicResponse().setTopicId(ORDERS_ON_TARGET).setPartitions(new ArrayList<>(List.of(p))));
        assertFalse(FetchRouting.complete(response, BY_ID, null, "target", scopes.ids, false));
        assertEquals(17, p.currentLeader().leaderEpoch());
        assertEquals(ORDERS_ON_TARGET, response.responses().get(0).topicId());
    }
}
