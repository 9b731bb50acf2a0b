package io.cutover.proxy.core.routing.data;

import static io.cutover.proxy.core.routing.data.DataScopes.MOVED_GROUP;
import static io.cutover.proxy.core.routing.data.DataScopes.MOVED_TXN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientRoutes;
import java.util.List;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

class CoordinatorKeysTest {
    private final ClientRoutes routes = new DataScopes().routes;

    @Test
    void groupAndTransactionApisAreCoordinatedAndDataApisAreNot() {
        for (ApiKeys api : List.of(ApiKeys.JOIN_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH, ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            ApiKeys.INIT_PRODUCER_ID, ApiKeys.END_TXN, ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.DESCRIBE_TRANSACTIONS)) {
            assertTrue(CoordinatorKeys.isCoordinated(api.id), api.name);
        }
        for (ApiKeys api : List.of(ApiKeys.PRODUCE, ApiKeys.FETCH, ApiKeys.METADATA, ApiKeys.FIND_COORDINATOR, ApiKeys.LIST_OFFSETS)) {
            assertFalse(CoordinatorKeys.isCoordinated(api.id), api.name);
        }
    }

    @Test
    void aGroupIsMisroutedOnlyOnTheClusterItDoesNotRouteTo() {
        JoinGroupRequestData join = new JoinGroupRequestData().setGroupId(MOVED_GROUP);
        assertEquals("group " + MOVED_GROUP, CoordinatorKeys.misroutedKey(ApiKeys.JOIN_GROUP, join, routes, "source"));
        assertNull(CoordinatorKeys.misroutedKey(ApiKeys.JOIN_GROUP, join, routes, "target"));
        assertNull(CoordinatorKeys.misroutedKey(ApiKeys.JOIN_GROUP, new JoinGroupRequestData().setGroupId("stays"), routes, "source"));
    }

    @Test
    void batchedGroupLookupsAreMisroutedWhenAnyGroupIs() {
        OffsetFetchRequestData fetch = new OffsetFetchRequestData();
        fetch.groups().add(new OffsetFetchRequestGroup().setGroupId("stays"));
        fetch.groups().add(new OffsetFetchRequestGroup().setGroupId(MOVED_GROUP));
        assertEquals("group " + MOVED_GROUP, CoordinatorKeys.misroutedKey(ApiKeys.OFFSET_FETCH, fetch, routes, "source"));
        assertEquals("group stays", CoordinatorKeys.misroutedKey(ApiKeys.OFFSET_FETCH, fetch, routes, "target"));
        OffsetFetchRequestData single = new OffsetFetchRequestData().setGroupId(MOVED_GROUP);
        assertEquals("group " + MOVED_GROUP, CoordinatorKeys.misroutedKey(ApiKeys.OFFSET_FETCH, single, routes, "source"), "v0-7 form");
        DescribeGroupsRequestData describe = new DescribeGroupsRequestData().setGroups(List.of("stays", MOVED_GROUP));
        assertEquals("group " + MOVED_GROUP, CoordinatorKeys.misroutedKey(ApiKeys.DESCRIBE_GROUPS, describe, routes, "source"));
    }

    @Test
    void transactionalIdsRouteTheirOwnWay() {
        EndTxnRequestData end = new EndTxnRequestData().setTransactionalId(MOVED_TXN);
        assertEquals("transactional id " + MOVED_TXN, CoordinatorKeys.misroutedKey(ApiKeys.END_TXN, end, routes, "source"));
        assertNull(CoordinatorKeys.misroutedKey(ApiKeys.END_TXN, end, routes, "target"));
        assertNull(CoordinatorKeys.misroutedKey(ApiKeys.INIT_PRODUCER_ID, new InitProducerIdRequestData().setTransactionalId(null),
            routes, "target"), "an idempotent producer's InitProducerId names no transactional id and goes anywhere");
    }

    @Test
    void addPartitionsNamesItsIdsInBothForms() {
        AddPartitionsToTxnRequestData v3 = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(MOVED_TXN);
        assertEquals("transactional id " + MOVED_TXN, CoordinatorKeys.misroutedKey(ApiKeys.ADD_PARTITIONS_TO_TXN, v3, routes, "source"));
        AddPartitionsToTxnRequestData v4 = new AddPartitionsToTxnRequestData();
        v4.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId("stays-txn"));
        v4.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId(MOVED_TXN));
        assertEquals("transactional id " + MOVED_TXN, CoordinatorKeys.misroutedKey(ApiKeys.ADD_PARTITIONS_TO_TXN, v4, routes, "source"));
        assertEquals("transactional id stays-txn", CoordinatorKeys.misroutedKey(ApiKeys.ADD_PARTITIONS_TO_TXN, v4, routes, "target"));
    }

    @Test
    void txnOffsetCommitGoesToTheGroupsCoordinatorNotTheTransactions() {
        TxnOffsetCommitRequestData commit = new TxnOffsetCommitRequestData().setGroupId(MOVED_GROUP).setTransactionalId("stays-txn");
        assertEquals(List.of(MOVED_GROUP), CoordinatorKeys.groups(ApiKeys.TXN_OFFSET_COMMIT, commit));
        assertEquals(List.of(), CoordinatorKeys.transactionalIds(ApiKeys.TXN_OFFSET_COMMIT, commit));
        assertNull(CoordinatorKeys.misroutedKey(ApiKeys.TXN_OFFSET_COMMIT, commit, routes, "target"));
    }
}
