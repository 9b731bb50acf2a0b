package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ErrorAnswers;
import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.routing.data.TransactionRequests;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Gives producers ids that survive a move between clusters, when the proxy fronts two. An
 * idempotent producer gets a real producer id of the source, fetched ahead of need, so its batches
 * to the source pass untouched (other clusters' ids are put into its batches on the way; see
 * ProducerIdMapper). A transactional producer's InitProducerId goes to its coordinator and the
 * answer becomes the producer's virtual id; its later transaction requests carry the real id and
 * epoch of the cluster they go to. Marks the requests whose answers open or end a transaction.
 */
final class ProducerIdRouter extends RoutingHandler {

    ProducerIdRouter(ClientSession session, ResponseReceiver responses) {
        super(session, responses);
    }

    @Override
    boolean routes(ApiKeys api) {
        return switch (api) {
            case INIT_PRODUCER_ID, ADD_PARTITIONS_TO_TXN, ADD_OFFSETS_TO_TXN, END_TXN, TXN_OFFSET_COMMIT -> true;
            default -> false;
        };
    }

    @Override
    boolean route(RequestFrame request) {
        return request.api == ApiKeys.INIT_PRODUCER_ID ? initProducerId(request) : mapTransaction(request);
    }

    private boolean initProducerId(RequestFrame request) {
        InitProducerIdRequestData r = (InitProducerIdRequestData) request.body();
        if (r.transactionalId() == null) {
            responses.answer(request, idempotentProducerId());
            return false;
        }
        // A request carrying the producer's virtual id (a KIP-360 bump) gets the real one, or asks
        // afresh when this cluster has none for it.
        RequestScope scope = RoutedRequests.scope(session);
        if (r.producerId() >= 0 && scope.transactional().isTransactional(r.producerId())) {
            var real = scope.transactional().real(r.producerId(), scope.cluster());
            if (real != null) {
                r.setProducerEpoch(real.realEpoch(r.producerEpoch())).setProducerId(real.producerId());
            } else {
                r.setProducerId(-1).setProducerEpoch((short) -1);
            }
        }
        request.bodyChanged();
        request.fixup(new ResponseFixup.TransactionalInit(r.transactionalId(), r.transactionTimeoutMs(), !r.keepPreparedTxn()));
        return true;
    }

    /**
     * An idempotent producer's id, answered as the source itself answers a request without a
     * transactional id (a KIP-360 bump included: a new id, epoch 0). With no source id at hand (the
     * source is down, say) the answer is the retriable error a broker gives while its own id block
     * is not ready; the proxy never hands out an id that does not come from the source.
     */
    private InitProducerIdResponseData idempotentProducerId() {
        var routing = session.proxy().routing();
        var real = routing.realProducerIds().take(routing.identityCluster());
        if (real == null) {
            return new InitProducerIdResponseData().setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code())
                .setProducerId(-1).setProducerEpoch((short) -1);
        }
        return new InitProducerIdResponseData().setProducerId(real.producerId()).setProducerEpoch(real.epoch());
    }

    private boolean mapTransaction(RequestFrame request) {
        var body = request.body();
        long virtualId = request.api == ApiKeys.END_TXN ? ((EndTxnRequestData) body).producerId() : -1;
        TransactionRequests.Outcome outcome = TransactionRequests.map(request.api, body, RoutedRequests.scope(session));
        if (outcome == TransactionRequests.Outcome.NOT_YET) {
            // The transactional id just moved here; the proxy is getting its producer a real id.
            Errors retriable = request.api == ApiKeys.TXN_OFFSET_COMMIT ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.CONCURRENT_TRANSACTIONS;
            responses.answer(request, ErrorAnswers.of(request.api, request.apiVersion, body, retriable));
            return false;
        }
        if (outcome == TransactionRequests.Outcome.MAPPED) {
            request.bodyChanged();
        }
        // Nothing is recorded until the broker accepts it (TransactionTracking reads the answer).
        switch (request.api) {
            case ADD_PARTITIONS_TO_TXN -> request.fixup(
                new ResponseFixup.TransactionOpened(((AddPartitionsToTxnRequestData) body).v3AndBelowTransactionalId()));
            case ADD_OFFSETS_TO_TXN -> request.fixup(new ResponseFixup.TransactionOpened(((AddOffsetsToTxnRequestData) body).transactionalId()));
            case END_TXN -> request.fixup(new ResponseFixup.TransactionEnd(((EndTxnRequestData) body).transactionalId(),
                outcome == TransactionRequests.Outcome.MAPPED ? virtualId : -1));
            default -> {
            }
        }
        return true;
    }
}
