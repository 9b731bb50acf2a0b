package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.CoordinatorKeys;
import io.cutover.proxy.core.routing.data.ErrorAnswers;
import io.cutover.proxy.core.routing.data.IdentityRewriting;
import io.cutover.proxy.core.routing.data.RequestScope;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Routes requests addressed to a group or transaction coordinator when the proxy fronts two
 * clusters: a request naming a group or transactional id that routes elsewhere is answered
 * NOT_COORDINATOR, so the client looks its coordinator up again and finds it on the other
 * cluster. What stays has its topic ids made real. Also tells a wave's rejoin gate which members
 * have joined here. Producer ids in transaction requests are ProducerIdRouter's.
 */
final class CoordinatorRouter extends RoutingHandler {

    CoordinatorRouter(ClientSession session, ResponseReceiver responses) {
        super(session, responses);
    }

    @Override
    boolean routes(ApiKeys api) {
        return CoordinatorKeys.isCoordinated(api.id);
    }

    @Override
    boolean route(RequestFrame request) {
        var body = request.body();
        if (request.api == ApiKeys.INIT_PRODUCER_ID && ((InitProducerIdRequestData) body).transactionalId() == null) {
            return true; // an idempotent producer: no coordinator involved (ProducerIdRouter answers it)
        }
        noteJoin(request);
        RequestScope scope = RoutedRequests.scope(session);
        if (CoordinatorKeys.misroutedKey(request.api, body, scope.routes(), scope.cluster()) != null) {
            session.stale().forcedRefresh(Errors.NOT_COORDINATOR, 1);
            responses.answer(request, ErrorAnswers.of(request.api, request.apiVersion, body, Errors.NOT_COORDINATOR));
            return false;
        }
        session.stale().routedOnCluster();
        boolean changed = switch (request.api) {
            case OFFSET_COMMIT -> IdentityRewriting.offsetCommitRequest((OffsetCommitRequestData) body, scope);
            case OFFSET_FETCH -> IdentityRewriting.offsetFetchRequest((OffsetFetchRequestData) body, scope);
            case TXN_OFFSET_COMMIT -> IdentityRewriting.txnOffsetCommitRequest((TxnOffsetCommitRequestData) body);
            case CONSUMER_GROUP_HEARTBEAT -> IdentityRewriting.consumerGroupHeartbeatRequest((ConsumerGroupHeartbeatRequestData) body, scope);
            default -> false;
        };
        if (changed) {
            request.bodyChanged();
        }
        return true;
    }

    /** A member (re)joining its group here: a wave's rejoin gate lets it read here from now on. */
    private void noteJoin(RequestFrame request) {
        var gate = session.proxy().fences().rejoin();
        if (gate == null) {
            return;
        }
        if (request.api == ApiKeys.JOIN_GROUP) {
            gate.joined(session.cluster(), session.memberKey(), ((JoinGroupRequestData) request.body()).groupId());
        } else if (request.api == ApiKeys.CONSUMER_GROUP_HEARTBEAT && ((ConsumerGroupHeartbeatRequestData) request.body()).memberEpoch() == 0) {
            gate.joined(session.cluster(), session.memberKey(), ((ConsumerGroupHeartbeatRequestData) request.body()).groupId());
        }
    }
}
