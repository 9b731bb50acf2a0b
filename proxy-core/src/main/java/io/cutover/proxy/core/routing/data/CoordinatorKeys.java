package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.routing.ClientRoutes;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The coordinator keys a request is about: consumer group ids for group APIs, transactional ids for
 * transaction APIs. A request whose keys route to another cluster than the connection's is answered
 * NOT_COORDINATOR, so the client looks its coordinator up again and finds it in the right cluster.
 */
public final class CoordinatorKeys {
    private CoordinatorKeys() {
    }

    /** True for the APIs whose requests name a group or a transactional id. */
    public static boolean isCoordinated(short apiKey) {
        return switch (ApiKeys.forId(apiKey)) {
            case JOIN_GROUP, SYNC_GROUP, HEARTBEAT, LEAVE_GROUP, OFFSET_COMMIT, OFFSET_FETCH, DESCRIBE_GROUPS, DELETE_GROUPS,
                 OFFSET_DELETE, CONSUMER_GROUP_HEARTBEAT, CONSUMER_GROUP_DESCRIBE, INIT_PRODUCER_ID, ADD_PARTITIONS_TO_TXN,
                 ADD_OFFSETS_TO_TXN, END_TXN, TXN_OFFSET_COMMIT, DESCRIBE_TRANSACTIONS -> true;
            default -> false;
        };
    }

    /** The first key of {@code request} that routes away from {@code cluster}, or null when all stay. */
    public static String misroutedKey(ApiKeys api, ApiMessage request, ClientRoutes routes, String cluster) {
        for (String group : groups(api, request)) {
            if (group != null && !cluster.equals(routes.group(group))) {
                return "group " + group;
            }
        }
        for (String txn : transactionalIds(api, request)) {
            if (txn != null && !cluster.equals(routes.transactionalId(txn))) {
                return "transactional id " + txn;
            }
        }
        return null;
    }

    static List<String> groups(ApiKeys api, ApiMessage r) {
        return switch (api) {
            case JOIN_GROUP -> List.of(((JoinGroupRequestData) r).groupId());
            case SYNC_GROUP -> List.of(((SyncGroupRequestData) r).groupId());
            case HEARTBEAT -> List.of(((HeartbeatRequestData) r).groupId());
            case LEAVE_GROUP -> List.of(((LeaveGroupRequestData) r).groupId());
            case OFFSET_COMMIT -> List.of(((OffsetCommitRequestData) r).groupId());
            case OFFSET_FETCH -> offsetFetchGroups((OffsetFetchRequestData) r);
            case DESCRIBE_GROUPS -> ((DescribeGroupsRequestData) r).groups();
            case DELETE_GROUPS -> ((DeleteGroupsRequestData) r).groupsNames();
            case OFFSET_DELETE -> List.of(((OffsetDeleteRequestData) r).groupId());
            // Sent to the group's coordinator, which writes the offsets into the transaction.
            case TXN_OFFSET_COMMIT -> List.of(((TxnOffsetCommitRequestData) r).groupId());
            case CONSUMER_GROUP_HEARTBEAT -> List.of(((ConsumerGroupHeartbeatRequestData) r).groupId());
            case CONSUMER_GROUP_DESCRIBE -> ((ConsumerGroupDescribeRequestData) r).groupIds();
            default -> List.of();
        };
    }

    static List<String> transactionalIds(ApiKeys api, ApiMessage r) {
        return switch (api) {
            case INIT_PRODUCER_ID -> single(((InitProducerIdRequestData) r).transactionalId());
            case ADD_PARTITIONS_TO_TXN -> addPartitionsIds((AddPartitionsToTxnRequestData) r);
            case ADD_OFFSETS_TO_TXN -> List.of(((AddOffsetsToTxnRequestData) r).transactionalId());
            case END_TXN -> List.of(((EndTxnRequestData) r).transactionalId());
            case DESCRIBE_TRANSACTIONS -> ((DescribeTransactionsRequestData) r).transactionalIds();
            default -> List.of();
        };
    }

    private static List<String> single(String s) {
        return s == null ? List.of() : List.of(s);
    }

    private static List<String> offsetFetchGroups(OffsetFetchRequestData r) {
        if (!r.groups().isEmpty()) {
            List<String> ids = new ArrayList<>();
            r.groups().forEach(g -> ids.add(g.groupId()));
            return ids;
        }
        return single(r.groupId());
    }

    private static List<String> addPartitionsIds(AddPartitionsToTxnRequestData r) {
        if (!r.transactions().isEmpty()) {
            List<String> ids = new ArrayList<>();
            r.transactions().forEach(t -> ids.add(t.transactionalId()));
            return ids;
        }
        return single(r.v3AndBelowTransactionalId());
    }
}
