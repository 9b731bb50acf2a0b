package io.cutover.proxy.core.routing.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TransactionalProducers;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/**
 * A transactional producer initialised through the proxy on the target (real id 900, epoch 2) got
 * virtual id 500 from the source's pool and virtual epoch 2; the source knows no real id for it yet.
 */
class TransactionRequestsTest {
    private static final long VIRTUAL_ID = 500L;
    private static final long TARGET_ID = 900L;

    private final DataScopes scopes = new DataScopes();
    private final TransactionalProducers producers = new TransactionalProducers("source", ProducerIdStore.none(), List.of(),
        System::currentTimeMillis);
    private final List<String> adoptions = new ArrayList<>();
    private final short virtualEpoch;

    TransactionRequestsTest() {
        long[] issued = producers.initialized("tx", 60_000, "target", TARGET_ID, (short) 2,
            cluster -> new ProducerIdMapper.RealProducer(VIRTUAL_ID, (short) 0));
        assertNotNull(issued);
        assertEquals(VIRTUAL_ID, issued[0]);
        virtualEpoch = (short) issued[1];
    }

    private RequestScope scope(String cluster) {
        return new RequestScope(cluster, scopes.routes, scopes.ids, true, null, null, producers,
            (virtualId, c) -> adoptions.add(virtualId + "@" + c));
    }

    @Test
    void endTxnGoesWithThisClustersRealIdAndEpoch() {
        EndTxnRequestData r = new EndTxnRequestData().setTransactionalId("tx").setProducerId(VIRTUAL_ID).setProducerEpoch(virtualEpoch);
        assertEquals(TransactionRequests.Outcome.MAPPED, TransactionRequests.map(ApiKeys.END_TXN, r, scope("target")));
        assertEquals(TARGET_ID, r.producerId());
        assertEquals(2, r.producerEpoch());
        assertTrue(adoptions.isEmpty());
    }

    @Test
    void aClusterWithoutARealIdYetAdoptsTheProducerAndTheClientRetries() {
        AddOffsetsToTxnRequestData r = new AddOffsetsToTxnRequestData().setProducerId(VIRTUAL_ID).setProducerEpoch(virtualEpoch);
        assertEquals(TransactionRequests.Outcome.NOT_YET, TransactionRequests.map(ApiKeys.ADD_OFFSETS_TO_TXN, r, scope("source")));
        assertEquals(VIRTUAL_ID, r.producerId(), "not sent: nothing rewritten");
        assertEquals(List.of(VIRTUAL_ID + "@source"), adoptions);
    }

    @Test
    void aProducerTheProxyDidNotInitialiseIsLeftAlone() {
        TxnOffsetCommitRequestData r = new TxnOffsetCommitRequestData().setProducerId(42L).setProducerEpoch((short) 7);
        assertEquals(TransactionRequests.Outcome.UNTOUCHED, TransactionRequests.map(ApiKeys.TXN_OFFSET_COMMIT, r, scope("target")));
        assertEquals(42L, r.producerId());
        assertEquals(7, r.producerEpoch());
        assertEquals(TransactionRequests.Outcome.UNTOUCHED, TransactionRequests.map(ApiKeys.END_TXN,
            new EndTxnRequestData().setProducerId(VIRTUAL_ID), new RequestScope("target", scopes.routes, scopes.ids, true, null, null, null,
                null)), "no transactional producers at all: nothing to map");
        assertTrue(adoptions.isEmpty());
    }

    @Test
    void txnOffsetCommitIsMapped() {
        TxnOffsetCommitRequestData r = new TxnOffsetCommitRequestData().setProducerId(VIRTUAL_ID).setProducerEpoch(virtualEpoch);
        assertEquals(TransactionRequests.Outcome.MAPPED, TransactionRequests.map(ApiKeys.TXN_OFFSET_COMMIT, r, scope("target")));
        assertEquals(TARGET_ID, r.producerId());
    }

    @Test
    void addPartitionsIsMappedInBothForms() {
        AddPartitionsToTxnRequestData v3 = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId("tx")
            .setV3AndBelowProducerId(VIRTUAL_ID).setV3AndBelowProducerEpoch(virtualEpoch);
        assertEquals(TransactionRequests.Outcome.MAPPED, TransactionRequests.map(ApiKeys.ADD_PARTITIONS_TO_TXN, v3, scope("target")));
        assertEquals(TARGET_ID, v3.v3AndBelowProducerId());
        assertEquals(2, v3.v3AndBelowProducerEpoch());

        AddPartitionsToTxnRequestData v4 = new AddPartitionsToTxnRequestData();
        v4.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId("tx").setProducerId(VIRTUAL_ID)
            .setProducerEpoch(virtualEpoch));
        v4.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId("other").setProducerId(42L).setProducerEpoch((short) 1));
        assertEquals(TransactionRequests.Outcome.MAPPED, TransactionRequests.map(ApiKeys.ADD_PARTITIONS_TO_TXN, v4, scope("target")));
        assertEquals(TARGET_ID, v4.transactions().find("tx").producerId());
        assertEquals(42L, v4.transactions().find("other").producerId(), "a producer the proxy does not map keeps its id");
    }

    @Test
    void aBatchedAddPartitionsWaitsWhenAnyOfItsProducersHasNoRealIdHere() {
        AddPartitionsToTxnRequestData v4 = new AddPartitionsToTxnRequestData();
        v4.transactions().add(new AddPartitionsToTxnTransaction().setTransactionalId("tx").setProducerId(VIRTUAL_ID)
            .setProducerEpoch(virtualEpoch));
        assertEquals(TransactionRequests.Outcome.NOT_YET, TransactionRequests.map(ApiKeys.ADD_PARTITIONS_TO_TXN, v4, scope("source")));
        assertEquals(List.of(VIRTUAL_ID + "@source"), adoptions);
    }

    @Test
    void otherApisAreUntouched() {
        assertEquals(TransactionRequests.Outcome.UNTOUCHED, TransactionRequests.map(ApiKeys.PRODUCE, null, scope("target")));
    }
}
