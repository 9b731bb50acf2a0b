package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ErrorAnswers;
import io.cutover.proxy.core.routing.data.FetchRouting;
import io.cutover.proxy.core.routing.data.IdentityRewriting;
import io.cutover.proxy.core.routing.data.ListOffsetsRouting;
import io.cutover.proxy.core.routing.data.ProduceRequestInPlace;
import io.cutover.proxy.core.routing.data.ProduceRouting;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.cutover.proxy.core.routing.data.Routed;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Routes the partitions of Produce, Fetch and ListOffsets when the proxy fronts two clusters:
 * partitions of topics that route elsewhere are answered NOT_LEADER_OR_FOLLOWER and the rest
 * forwarded, with real topic ids and producer ids; fetch sessions are reset after a routing change.
 * Clients react to these errors by refreshing metadata, which moves them, without a restart. Also
 * gives DeleteTopics real topic ids. With one cluster this handler passes everything on untouched.
 */
final class PartitionRouter extends RoutingHandler {
    private final FetchSessionResets fetchSessions = new FetchSessionResets();

    PartitionRouter(ClientSession session, ResponseReceiver responses) {
        super(session, responses);
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        // A Produce is routed where it lies (ProduceRequestInPlace) and decoded only when that cannot.
        return super.needsBody(api, version) && api != ApiKeys.PRODUCE;
    }

    @Override
    boolean routes(ApiKeys api) {
        return api == ApiKeys.PRODUCE || api == ApiKeys.FETCH || api == ApiKeys.LIST_OFFSETS || api == ApiKeys.DELETE_TOPICS;
    }

    @Override
    boolean route(RequestFrame request) {
        RequestScope scope = RoutedRequests.scope(session);
        if (request.api == ApiKeys.DELETE_TOPICS) {
            if (IdentityRewriting.deleteTopicsRequest((DeleteTopicsRequestData) request.body(), scope)) {
                request.bodyChanged();
            }
            return true;
        }
        if (request.api == ApiKeys.PRODUCE) {
            ProducedTopics inPlace = ProduceRequestInPlace.tryRoute(request.frame(), request.apiVersion, scope);
            if (inPlace != null) {
                session.stale().routedOnCluster();
                request.produced(inPlace);
                if (inPlace.transactionalId() != null) {
                    request.fixup(new ResponseFixup.TransactionalProduce(inPlace.transactionalId(), null));
                }
                return true;
            }
        }
        Routed routed;
        switch (request.api) {
            case PRODUCE -> {
                ProduceRequestData produce = (ProduceRequestData) request.body();
                if (writesApartFromItsTransaction(produce, request.apiVersion, scope)) {
                    // A transaction's writes must stay with its coordinator's cluster; a topic routed
                    // apart from its transactional id cannot be written transactionally.
                    session.proxy().connectionLog().warn("{}: transactional id {} routes to {}, but this write is for {}; refused",
                        session.describeClient(), produce.transactionalId(), scope.routes().transactionalId(produce.transactionalId()),
                        scope.cluster());
                    responses.answer(request, ErrorAnswers.of(request.api, request.apiVersion, produce, Errors.INVALID_TXN_STATE));
                    return false;
                }
                routed = ProduceRouting.route(produce, request.apiVersion, scope);
            }
            case FETCH -> {
                FetchRequestData fetch = (FetchRequestData) request.body();
                if (waitsForRejoin(fetch, scope)) {
                    // An empty answer: the member reads nothing here until it has rejoined its group here.
                    responses.answer(request, new FetchResponseData().setSessionId(0).setThrottleTimeMs(0));
                    return false;
                }
                if (fetchSessions.mustReset(fetch.sessionId(), fetch.sessionEpoch(), scope.routes().version())) {
                    session.stale().forcedRefresh(Errors.FETCH_SESSION_ID_NOT_FOUND, 1);
                    responses.answer(request, FetchRouting.sessionReset());
                    return false;
                }
                routed = FetchRouting.route(fetch, request.apiVersion, scope);
            }
            default -> routed = ListOffsetsRouting.route((ListOffsetsRequestData) request.body(), request.apiVersion, scope);
        }
        String transactionalId = request.api == ApiKeys.PRODUCE ? ((ProduceRequestData) request.body()).transactionalId() : null;
        if (!routed.changed()) {
            if (transactionalId != null) {
                request.fixup(new ResponseFixup.TransactionalProduce(transactionalId, null));
            }
            return true;
        }
        if (routed.misrouted() != null) {
            session.stale().forcedRefresh(Errors.NOT_LEADER_OR_FOLLOWER, routed.misrouted().partitions().size());
        } else {
            session.stale().routedOnCluster();
        }
        if (routed.forward() == null) {
            if (request.api == ApiKeys.PRODUCE) {
                if (!request.expectsResponse()) {
                    // acks=0: no answer can carry the error. Drop the connection so the producer
                    // refreshes its metadata on reconnect; these records are lost, as acks=0 allows.
                    request.release();
                    session.closeForRouting("an acks=0 produce for partitions that moved to another cluster");
                    return false;
                }
                responses.answer(request, ProduceRouting.answer(routed.misrouted()));
            } else {
                responses.answer(request, ListOffsetsRouting.answer(routed.misrouted()));
            }
            return false;
        }
        request.replaceBody(routed.forward());
        if (transactionalId != null) {
            request.fixup(new ResponseFixup.TransactionalProduce(transactionalId, routed.misrouted()));
        } else if (routed.misrouted() != null) {
            request.fixup(new ResponseFixup.MisroutedPartitions(routed.misrouted()));
        }
        return true;
    }

    private static boolean writesApartFromItsTransaction(ProduceRequestData produce, short version, RequestScope scope) {
        String txn = produce.transactionalId();
        if (txn == null || scope.cluster().equals(scope.routes().transactionalId(txn))) {
            return false;
        }
        // When every topic moved too, NOT_LEADER_OR_FOLLOWER sends the client after them instead.
        return RequestedTopics.anyTopic(produce, scope.topicIds()::nameOfVirtual, t -> t != null && !scope.movedAway(t));
    }

    private boolean waitsForRejoin(FetchRequestData fetch, RequestScope scope) {
        var gate = session.proxy().fences().rejoin();
        if (gate == null || fetch.replicaId() >= 0) {
            return false;
        }
        String member = session.memberKey();
        return RequestedTopics.anyTopic(fetch, scope.topicIds()::nameOfVirtual, t -> t != null && gate.holds(session.cluster(), member, t));
    }
}
