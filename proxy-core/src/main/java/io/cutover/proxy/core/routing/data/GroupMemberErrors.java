package io.cutover.proxy.core.routing.data;

import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * A group that moved to a cluster arrives there without its members: the new coordinator answers a
 * member's heartbeat or commit with GROUP_ID_NOT_FOUND, which clients treat as fatal. The proxy turns
 * it into UNKNOWN_MEMBER_ID, the answer a coordinator gives a member it has forgotten, on which
 * classic and KIP-848 members rejoin.
 */
public final class GroupMemberErrors {
    private static final short NOT_FOUND = Errors.GROUP_ID_NOT_FOUND.code();
    private static final short UNKNOWN_MEMBER = Errors.UNKNOWN_MEMBER_ID.code();

    private GroupMemberErrors() {
    }

    /** @return true when an error was rewritten. */
    public static boolean asUnknownMember(ApiKeys api, ApiMessage m) {
        switch (api) {
            case CONSUMER_GROUP_HEARTBEAT -> {
                ConsumerGroupHeartbeatResponseData r = (ConsumerGroupHeartbeatResponseData) m;
                if (r.errorCode() == NOT_FOUND) {
                    r.setErrorCode(UNKNOWN_MEMBER).setErrorMessage("the group moved to this cluster; rejoin");
                    return true;
                }
                return false;
            }
            case HEARTBEAT -> {
                HeartbeatResponseData r = (HeartbeatResponseData) m;
                if (r.errorCode() == NOT_FOUND) {
                    r.setErrorCode(UNKNOWN_MEMBER);
                    return true;
                }
                return false;
            }
            case SYNC_GROUP -> {
                SyncGroupResponseData r = (SyncGroupResponseData) m;
                if (r.errorCode() == NOT_FOUND) {
                    r.setErrorCode(UNKNOWN_MEMBER);
                    return true;
                }
                return false;
            }
            case OFFSET_COMMIT -> {
                boolean changed = false;
                for (OffsetCommitResponseData.OffsetCommitResponseTopic t : ((OffsetCommitResponseData) m).topics()) {
                    for (OffsetCommitResponseData.OffsetCommitResponsePartition p : t.partitions()) {
                        if (p.errorCode() == NOT_FOUND) {
                            p.setErrorCode(UNKNOWN_MEMBER);
                            changed = true;
                        }
                    }
                }
                return changed;
            }
            case TXN_OFFSET_COMMIT -> {
                boolean changed = false;
                for (TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic t : ((TxnOffsetCommitResponseData) m).topics()) {
                    for (TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition p : t.partitions()) {
                        if (p.errorCode() == NOT_FOUND) {
                            p.setErrorCode(UNKNOWN_MEMBER);
                            changed = true;
                        }
                    }
                }
                return changed;
            }
            default -> {
                return false;
            }
        }
    }
}
