package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED;
import static io.cutover.proxy.core.routing.data.DataScopes.STAYS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class ListOffsetsRoutingTest {
    private static final short VERSION = 9;

    private final DataScopes scopes = new DataScopes();

    private static ListOffsetsTopic topic(String name, int... partitions) {
        ListOffsetsTopic t = new ListOffsetsTopic().setName(name);
        for (int p : partitions) {
            t.partitions().add(new ListOffsetsPartition().setPartitionIndex(p).setCurrentLeaderEpoch(6).setTimestamp(-1));
        }
        return t;
    }

    private static ListOffsetsRequestData request(ListOffsetsTopic... topics) {
        return new ListOffsetsRequestData().setReplicaId(-1).setTopics(new ArrayList<>(List.of(topics)));
    }

    @Test
    void withOneClusterARequestWhoseTopicsStayIsUntouched() {
        assertSame(Routed.UNCHANGED, ListOffsetsRouting.route(request(topic(STAYS, 0)), VERSION, scopes.plain("source")));
    }

    @Test
    void whenRoutingTheCurrentLeaderEpochIsWithheld() {
        Routed routed = ListOffsetsRouting.route(request(topic(STAYS, 0, 1)), VERSION, scopes.routing("source"));
        assertNull(routed.misrouted());
        for (ListOffsetsPartition p : ((ListOffsetsRequestData) routed.forward()).topics().get(0).partitions()) {
            assertEquals(-1, p.currentLeaderEpoch());
        }
    }

    @Test
    void aMovedTopicIsTakenOutAndAnsweredNotLeader() {
        Routed routed = ListOffsetsRouting.route(request(topic(STAYS, 0), topic(MOVED, 2)), VERSION, scopes.plain("source"));
        ListOffsetsRequestData forward = (ListOffsetsRequestData) routed.forward();
        assertEquals(List.of(STAYS), forward.topics().stream().map(ListOffsetsTopic::name).toList());
        assertEquals(List.of(new Misrouted.Partition(MOVED, null, 2, Errors.NOT_LEADER_OR_FOLLOWER.code())), routed.misrouted().partitions());
    }

    @Test
    void whenEveryTopicMovedTheProxyAnswersAlone() {
        Routed routed = ListOffsetsRouting.route(request(topic(STAYS, 3)), VERSION, scopes.plain("target"));
        assertTrue(routed.forwardsNothing());
        ListOffsetsResponseData answer = ListOffsetsRouting.answer(routed.misrouted());
        ListOffsetsPartitionResponse p = answer.topics().get(0).partitions().get(0);
        assertEquals(STAYS, answer.topics().get(0).name());
        assertEquals(3, p.partitionIndex());
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), p.errorCode());
        assertEquals(-1, p.offset());
        assertEquals(-1, p.leaderEpoch());
    }

    @Test
    void anAnswerHasItsEpochsWithheldOnlyWhenVirtualising() {
        ListOffsetsResponseData response = new ListOffsetsResponseData();
        ListOffsetsTopicResponse t = new ListOffsetsTopicResponse().setName(STAYS);
        t.partitions().add(new ListOffsetsPartitionResponse().setPartitionIndex(0).setOffset(77).setLeaderEpoch(9));
        response.topics().add(t);
        assertFalse(ListOffsetsRouting.complete(response, null, false));
        assertEquals(9, t.partitions().get(0).leaderEpoch());
        assertTrue(ListOffsetsRouting.complete(response, null, true));
        assertEquals(-1, t.partitions().get(0).leaderEpoch());
        assertEquals(77, t.partitions().get(0).offset());
    }
}
