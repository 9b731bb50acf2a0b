package io.cutover.proxy.core.routing.data;

import io.cutover.proxy.core.virtual.TransactionalProducers;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Puts the real producer id and epoch of this cluster into the transaction requests of a
 * transactional producer the proxy initialised (its id and epoch are virtual).
 */
public final class TransactionRequests {
    /** What happened to a request. */
    public enum Outcome {
        /** Not a producer the proxy maps: leave the request as it is. */
        UNTOUCHED,
        /** Rewritten with this cluster's real id and epoch. */
        MAPPED,
        /** The producer has no real id on this cluster yet: answer with a retriable error meanwhile. */
        NOT_YET
    }

    private TransactionRequests() {
    }

    public static Outcome map(ApiKeys api, ApiMessage request, RequestScope scope) {
        TransactionalProducers tp = scope.transactional();
        switch (api) {
            case ADD_PARTITIONS_TO_TXN -> {
                AddPartitionsToTxnRequestData r = (AddPartitionsToTxnRequestData) request;
                if (r.transactions().isEmpty()) {
                    TransactionalProducers.Real real = resolve(r.v3AndBelowProducerId(), scope);
                    if (real == null) {
                        return outcomeFor(r.v3AndBelowProducerId(), scope);
                    }
                    r.setV3AndBelowProducerEpoch(real.realEpoch(r.v3AndBelowProducerEpoch())).setV3AndBelowProducerId(real.producerId());
                    return Outcome.MAPPED;
                }
                Outcome result = Outcome.UNTOUCHED;
                for (AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction t : r.transactions()) {
                    TransactionalProducers.Real real = resolve(t.producerId(), scope);
                    if (real == null) {
                        Outcome o = outcomeFor(t.producerId(), scope);
                        if (o == Outcome.NOT_YET) {
                            return o;
                        }
                        continue;
                    }
                    // producerId is not a key of this collection, so editing in place is safe.
                    t.setProducerEpoch(real.realEpoch(t.producerEpoch())).setProducerId(real.producerId());
                    result = Outcome.MAPPED;
                }
                return result;
            }
            case ADD_OFFSETS_TO_TXN -> {
                AddOffsetsToTxnRequestData r = (AddOffsetsToTxnRequestData) request;
                TransactionalProducers.Real real = resolve(r.producerId(), scope);
                if (real == null) {
                    return outcomeFor(r.producerId(), scope);
                }
                r.setProducerEpoch(real.realEpoch(r.producerEpoch())).setProducerId(real.producerId());
                return Outcome.MAPPED;
            }
            case END_TXN -> {
                EndTxnRequestData r = (EndTxnRequestData) request;
                TransactionalProducers.Real real = resolve(r.producerId(), scope);
                if (real == null) {
                    return outcomeFor(r.producerId(), scope);
                }
                r.setProducerEpoch(real.realEpoch(r.producerEpoch())).setProducerId(real.producerId());
                return Outcome.MAPPED;
            }
            case TXN_OFFSET_COMMIT -> {
                TxnOffsetCommitRequestData r = (TxnOffsetCommitRequestData) request;
                TransactionalProducers.Real real = resolve(r.producerId(), scope);
                if (real == null) {
                    return outcomeFor(r.producerId(), scope);
                }
                r.setProducerEpoch(real.realEpoch(r.producerEpoch())).setProducerId(real.producerId());
                return Outcome.MAPPED;
            }
            default -> {
                return Outcome.UNTOUCHED;
            }
        }
    }

    private static TransactionalProducers.Real resolve(long virtualId, RequestScope scope) {
        if (scope.transactional() == null || !scope.transactional().isTransactional(virtualId)) {
            return null;
        }
        return scope.transactional().real(virtualId, scope.cluster());
    }

    private static Outcome outcomeFor(long virtualId, RequestScope scope) {
        if (scope.transactional() == null || !scope.transactional().isTransactional(virtualId)) {
            return Outcome.UNTOUCHED;
        }
        scope.adopter().adopt(virtualId, scope.cluster());
        return Outcome.NOT_YET;
    }
}
