package io.cutover.proxy.core.routing.data;

import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * The requests with which a transactional producer may begin a transaction: AddPartitionsToTxn and
 * AddOffsetsToTxn, and under transaction version 2 (KIP-890) its first Produce or TxnOffsetCommit,
 * which add their partitions by themselves. InitProducerId starts a new producer session, so it
 * counts too. EndTxn never begins one. A switch holds these, for the transactional ids it moves,
 * once their transaction in progress has ended, so the next transaction begins on the destination.
 */
public final class TransactionBeginnings {
    private TransactionBeginnings() {
    }

    /** True for the APIs that may begin a transaction. */
    public static boolean mayBegin(ApiKeys api) {
        return api == ApiKeys.PRODUCE || api == ApiKeys.ADD_PARTITIONS_TO_TXN || api == ApiKeys.ADD_OFFSETS_TO_TXN
            || api == ApiKeys.TXN_OFFSET_COMMIT || api == ApiKeys.INIT_PRODUCER_ID;
    }

    /**
     * The transactional id whose transaction {@code request} belongs to, or may begin; null when it
     * is not transactional (or, for AddPartitionsToTxn v4+, sent by a broker).
     */
    public static String transactionalId(ApiKeys api, ApiMessage request) {
        return switch (api) {
            case PRODUCE -> ((ProduceRequestData) request).transactionalId();
            case ADD_PARTITIONS_TO_TXN -> ((AddPartitionsToTxnRequestData) request).v3AndBelowTransactionalId();
            case ADD_OFFSETS_TO_TXN -> ((AddOffsetsToTxnRequestData) request).transactionalId();
            case TXN_OFFSET_COMMIT -> ((TxnOffsetCommitRequestData) request).transactionalId();
            case INIT_PRODUCER_ID -> ((InitProducerIdRequestData) request).transactionalId();
            default -> null;
        };
    }
}
