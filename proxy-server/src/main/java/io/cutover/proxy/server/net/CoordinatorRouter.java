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
 *
 * <p>An OffsetCommit for a group that moved is the exception: it is answered UNKNOWN_MEMBER_ID,
 * which fails the commit for good (CommitFailedException) instead of sending it after the group.
 * Its offsets are positions on the cluster the group left. Retried on the other cluster, they
 * replaced the offsets a wave switch had just carried there: a KIP-848 member retries with no
 * epoch while it rejoins, which the coordinator of a group without members accepts, and with its
 * new epoch once it has rejoined. Its members then read from the wrong place in the log, again
 * (the soak saw 29,555 records re-read) or, where the target's offsets run lower, past records
 * never read. The member rejoins anyway and resumes from the carried offsets.
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
            Errors error = request.api == ApiKeys.OFFSET_COMMIT ? Errors.UNKNOWN_MEMBER_ID : Errors.NOT_COORDINATOR;
            session.stale().forcedRefresh(error, 1);
            responses.answer(request, ErrorAnswers.of(request.api, request.apiVersion, body, error));
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
