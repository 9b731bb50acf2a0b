package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class GroupMemberErrorsTest {
    private static final short NOT_FOUND = Errors.GROUP_ID_NOT_FOUND.code();
    private static final short UNKNOWN_MEMBER = Errors.UNKNOWN_MEMBER_ID.code();

    @Test
    void aMovedGroupsMissingMemberIsToldToRejoin() {
        ConsumerGroupHeartbeatResponseData kip848 = new ConsumerGroupHeartbeatResponseData().setErrorCode(NOT_FOUND);
        assertTrue(GroupMemberErrors.asUnknownMember(ApiKeys.CONSUMER_GROUP_HEARTBEAT, kip848));
        assertEquals(UNKNOWN_MEMBER, kip848.errorCode());
        HeartbeatResponseData classic = new HeartbeatResponseData().setErrorCode(NOT_FOUND);
        assertTrue(GroupMemberErrors.asUnknownMember(ApiKeys.HEARTBEAT, classic));
        assertEquals(UNKNOWN_MEMBER, classic.errorCode());
        SyncGroupResponseData sync = new SyncGroupResponseData().setErrorCode(NOT_FOUND);
        assertTrue(GroupMemberErrors.asUnknownMember(ApiKeys.SYNC_GROUP, sync));
        assertEquals(UNKNOWN_MEMBER, sync.errorCode());
    }

    @Test
    void commitsHaveTheirPartitionErrorsRewrittenAndOthersKept() {
        OffsetCommitResponseData commit = new OffsetCommitResponseData();
        OffsetCommitResponseTopic t = new OffsetCommitResponseTopic().setName("orders");
        t.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(0).setErrorCode(NOT_FOUND));
        t.partitions().add(new OffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code()));
        commit.topics().add(t);
        assertTrue(GroupMemberErrors.asUnknownMember(ApiKeys.OFFSET_COMMIT, commit));
        assertEquals(UNKNOWN_MEMBER, t.partitions().get(0).errorCode());
        assertEquals(Errors.OFFSET_METADATA_TOO_LARGE.code(), t.partitions().get(1).errorCode());

        TxnOffsetCommitResponseData txn = new TxnOffsetCommitResponseData();
        TxnOffsetCommitResponseTopic tt = new TxnOffsetCommitResponseTopic().setName("orders");
        tt.partitions().add(new TxnOffsetCommitResponsePartition().setPartitionIndex(0).setErrorCode(NOT_FOUND));
        txn.topics().add(tt);
        assertTrue(GroupMemberErrors.asUnknownMember(ApiKeys.TXN_OFFSET_COMMIT, txn));
        assertEquals(UNKNOWN_MEMBER, tt.partitions().get(0).errorCode());
    }

    @Test
    void otherErrorsAndOtherApisAreLeftAlone() {
        HeartbeatResponseData rebalancing = new HeartbeatResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code());
        assertFalse(GroupMemberErrors.asUnknownMember(ApiKeys.HEARTBEAT, rebalancing));
        assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), rebalancing.errorCode());
        assertFalse(GroupMemberErrors.asUnknownMember(ApiKeys.OFFSET_COMMIT, new OffsetCommitResponseData()));
        assertFalse(GroupMemberErrors.asUnknownMember(ApiKeys.LEAVE_GROUP, new HeartbeatResponseData().setErrorCode(NOT_FOUND)),
            "leaving a group that is not there is no reason to rejoin");
    }
}
