package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ProduceRequestFrames;
import io.cutover.proxy.core.codec.RequestFrames;
import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.data.CoordinatorKeys;
import io.cutover.proxy.core.routing.data.FetchRouting;
import io.cutover.proxy.core.routing.data.IdentityRewriting;
import io.cutover.proxy.core.routing.data.ListOffsetsRouting;
import io.cutover.proxy.core.routing.data.ProduceRequestInPlace;
import io.cutover.proxy.core.routing.data.ProduceRouting;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.cutover.proxy.core.routing.data.RequestScope;
import io.cutover.proxy.core.routing.data.TransactionRequests;
import io.cutover.proxy.core.routing.data.Routed;
import io.cutover.proxy.server.metrics.ProxyError;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Enforces routing on a connection to one cluster, and translates identities, when the proxy fronts
 * two clusters. Partitions of topics that route elsewhere are answered NOT_LEADER_OR_FOLLOWER and the
 * rest forwarded; group and transaction requests for ids that route elsewhere are answered
 * NOT_COORDINATOR; fetch sessions are reset after a routing change. Clients react to these errors by
 * refreshing metadata or looking up their coordinator again, which moves them, without a restart.
 * With one cluster this handler passes every frame on untouched.
 */
final class RequestRouter extends ChannelInboundHandlerAdapter {
    private final ProxyConnection conn;
    private final boolean active;
    /**
     * The frame being routed while this handler still owns it: set on arrival, cleared the moment it
     * is passed on, answered or released. If routing throws, this says whether the frame is still
     * ours to release, so it is released exactly once whichever step failed.
     */
    private ByteBuf owned;

    RequestRouter(ProxyConnection conn) {
        this.conn = conn;
        this.active = conn.context().routing().context().virtualize();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (!active) {
            ctx.fireChannelRead(frame);
            return;
        }
        ApiKeys api = ApiKeys.forId(RequestFrames.apiKey(frame));
        owned = frame;
        try {
            route(ctx, frame, api);
        } catch (RuntimeException e) {
            ByteBuf still = owned;
            owned = null;
            if (still != null) {
                conn.refuseMalformed(still, api.name + " request", e);
            } else {
                conn.fail(ProxyError.MALFORMED_FRAME, "malformed " + api.name + " request: " + e);
            }
        }
        owned = null;
    }

    private void route(ChannelHandlerContext ctx, ByteBuf frame, ApiKeys api) {
        short apiKey = api.id;
        boolean partitioned = api == ApiKeys.PRODUCE || api == ApiKeys.FETCH || api == ApiKeys.LIST_OFFSETS;
        if (!partitioned && !CoordinatorKeys.isCoordinated(apiKey) && api != ApiKeys.DELETE_TOPICS) {
            pass(ctx, frame);
            return;
        }
        short version = RequestFrames.apiVersion(frame);
        int correlationId = RequestFrames.correlationId(frame);
        if (frame.nioBufferCount() != 1) {
            // Produce batches are edited in place through an NIO view, which needs one contiguous buffer.
            ByteBuf contiguous = conn.alloc().buffer(frame.readableBytes());
            contiguous.writeBytes(frame);
            owned = contiguous;
            frame.release();
            frame = contiguous;
        }
        if (api == ApiKeys.PRODUCE && produceInPlace(ctx, frame, version)) {
            return;
        }
        // A request Kafka cannot parse throws here; channelRead refuses it as malformed.
        AbstractRequest request = AbstractRequest.parseRequest(api, version, new ByteBufferAccessor(MessageCodec.requestBody(frame))).request;
        ClientRoutes routes = conn.routes();
        var routing = conn.context().routing();
        RequestScope scope = new RequestScope(conn.cluster(), routes, conn.rewriteContext().topicIds(), true,
            routing.producers(), routing.realProducerIds(), routing.transactionalProducers(), routing.adopter());
        if (api == ApiKeys.INIT_PRODUCER_ID && ((InitProducerIdRequestData) request.data()).transactionalId() == null) {
            answer(frame, api, version, correlationId, initProducerId(), null);
            return;
        }
        if (partitioned) {
            routePartitions(ctx, frame, api, version, correlationId, request, scope);
        } else if (CoordinatorKeys.isCoordinated(apiKey)) {
            routeCoordinated(ctx, frame, api, version, correlationId, request, scope);
        } else {
            IdentityRewriting.deleteTopicsRequest((DeleteTopicsRequestData) request.data(), scope);
            forwardChanged(frame, api, version, correlationId, request.data(), null);
        }
    }

    /**
     * The common Produce, routed without decoding it: every partition routes to this cluster and
     * every producer id in it is mapped already, so its topic ids and batch headers are rewritten
     * where they lie and the frame goes on. False, with the frame untouched, for anything the
     * decoding path must answer (see ProduceRequestInPlace).
     */
    private boolean produceInPlace(ChannelHandlerContext ctx, ByteBuf frame, short version) {
        var routing = conn.context().routing();
        RequestScope scope = new RequestScope(conn.cluster(), conn.routes(), conn.rewriteContext().topicIds(), true,
            routing.producers(), routing.realProducerIds(), routing.transactionalProducers(), routing.adopter());
        ProducedTopics produced = ProduceRequestInPlace.tryRoute(frame, version, scope);
        if (produced == null) {
            return false;
        }
        conn.noteProduce(produced);
        conn.routedOnCluster();
        pass(ctx, frame);
        return true;
    }

    /**
     * An idempotent producer gets a real producer id of the source, fetched ahead of need: batches
     * to the source then carry it untouched, and other clusters' real ids are put into its batches
     * on the way (see ProducerIdMapper). A request that names the producer's current id and epoch
     * (KIP-360) is answered as the source itself answers it without a transactional id: with a new
     * id, epoch 0. With no source id at hand (the source is down, say) the answer is the retriable
     * error a broker gives while its own id block is not ready; the proxy never hands out an id that
     * does not come from the source.
     */
    private InitProducerIdResponseData initProducerId() {
        var routing = conn.context().routing();
        var real = routing.realProducerIds().take(routing.identityCluster());
        if (real == null) {
            return new InitProducerIdResponseData().setErrorCode(Errors.COORDINATOR_LOAD_IN_PROGRESS.code())
                .setProducerId(-1).setProducerEpoch((short) -1);
        }
        return new InitProducerIdResponseData().setProducerId(real.producerId()).setProducerEpoch(real.epoch());
    }

    private void routePartitions(ChannelHandlerContext ctx, ByteBuf frame, ApiKeys api, short version, int correlationId,
                                 AbstractRequest request, RequestScope scope) {
        ApiMessage data = request.data();
        Routed routed;
        switch (api) {
            case PRODUCE -> {
                ProduceRequestData produce = (ProduceRequestData) data;
                conn.noteProduce(produce);
                boolean txnElsewhere = produce.transactionalId() != null
                    && !scope.cluster().equals(scope.routes().transactionalId(produce.transactionalId()));
                if (txnElsewhere && !anyTopicStays(produce, version, scope)) {
                    // Every topic moved too: NOT_LEADER_OR_FOLLOWER below sends the client after them.
                    txnElsewhere = false;
                }
                if (txnElsewhere) {
                    // A transaction's writes must stay with its coordinator's cluster; a topic routed
                    // apart from its transactional id cannot be written transactionally.
                    conn.context().connectionLog().warn("{}: transactional id {} routes to {}, but this write is for {}; refused",
                        conn.describeClient(), produce.transactionalId(), scope.routes().transactionalId(produce.transactionalId()),
                        scope.cluster());
                    answer(frame, api, version, correlationId, request.getErrorResponse(0, Errors.INVALID_TXN_STATE.exception()).data(), null);
                    return;
                }
                // Transaction version 2 (KIP-890) adds partitions by producing to them, without
                // AddPartitionsToTxn: TransactionTracking reads the answer of a transactional Produce.
                routed = ProduceRouting.route(produce, version, scope);
            }
            case FETCH -> {
                FetchRequestData fetch = (FetchRequestData) data;
                if (waitsForRejoin(fetch, scope)) {
                    // An empty answer: the member reads nothing here until it has rejoined its group here.
                    answer(frame, api, version, correlationId, new FetchResponseData().setSessionId(0).setThrottleTimeMs(0), null);
                    return;
                }
                if (conn.fetchSessionMustReset(fetch.sessionId(), fetch.sessionEpoch(), scope.routes().version())) {
                    answer(frame, api, version, correlationId, FetchRouting.sessionReset(), Errors.FETCH_SESSION_ID_NOT_FOUND);
                    return;
                }
                routed = FetchRouting.route(fetch, version, scope);
            }
            default -> routed = ListOffsetsRouting.route((ListOffsetsRequestData) data, version, scope);
        }
        if (!routed.changed()) {
            pass(ctx, frame);
            return;
        }
        if (routed.misrouted() != null) {
            conn.forcedRefresh(Errors.NOT_LEADER_OR_FOLLOWER, routed.misrouted().partitions().size());
        }
        if (routed.forward() == null) {
            if (api == ApiKeys.PRODUCE) {
                if (ProduceRequestFrames.acks(frame) == 0) {
                    // No answer can carry the error: drop the connection so the producer refreshes
                    // its metadata on reconnect. The records of this request are lost, as acks=0 allows.
                    drop(frame);
                    conn.closeForRouting("an acks=0 produce for partitions that moved to another cluster");
                    return;
                }
                answer(frame, api, version, correlationId, ProduceRouting.answer(routed.misrouted()), null);
            } else {
                answer(frame, api, version, correlationId, ListOffsetsRouting.answer(routed.misrouted()), null);
            }
            return;
        }
        forwardChanged(frame, api, version, correlationId, routed.forward(), routed.misrouted());
    }

    private boolean waitsForRejoin(FetchRequestData fetch, RequestScope scope) {
        var gate = conn.context().fences().rejoin();
        if (gate == null || fetch.replicaId() >= 0) {
            return false;
        }
        String client = conn.identity().clientId();
        for (FetchRequestData.FetchTopic t : fetch.topics()) {
            String name = t.topic() != null && !t.topic().isEmpty() ? t.topic() : scope.topicIds().nameOfVirtual(t.topicId());
            if (name != null && gate.holds(conn.cluster(), client, name)) {
                return true;
            }
        }
        return false;
    }

    private void routeCoordinated(ChannelHandlerContext ctx, ByteBuf frame, ApiKeys api, short version, int correlationId,
                                  AbstractRequest request, RequestScope scope) {
        ApiMessage data = request.data();
        var gate = conn.context().fences().rejoin();
        if (gate != null) {
            if (api == ApiKeys.JOIN_GROUP) {
                gate.joined(conn.cluster(), conn.identity().clientId(), ((org.apache.kafka.common.message.JoinGroupRequestData) data).groupId());
            } else if (api == ApiKeys.CONSUMER_GROUP_HEARTBEAT
                && ((ConsumerGroupHeartbeatRequestData) data).memberEpoch() == 0) {
                gate.joined(conn.cluster(), conn.identity().clientId(), ((ConsumerGroupHeartbeatRequestData) data).groupId());
            }
        }
        String moved = CoordinatorKeys.misroutedKey(api, data, scope.routes(), scope.cluster());
        if (moved != null) {
            conn.forcedRefresh(Errors.NOT_COORDINATOR, 1);
            answer(frame, api, version, correlationId, request.getErrorResponse(0, Errors.NOT_COORDINATOR.exception()).data(), null);
            return;
        }
        if (api == ApiKeys.INIT_PRODUCER_ID) {
            initTransactionalProducer(frame, version, correlationId, (InitProducerIdRequestData) data, scope);
            return;
        }
        long endTxnVirtualId = api == ApiKeys.END_TXN ? ((EndTxnRequestData) data).producerId() : -1;
        TransactionRequests.Outcome txn = TransactionRequests.map(api, data, scope);
        if (txn == TransactionRequests.Outcome.NOT_YET) {
            // The transactional id just moved here; the proxy is getting its producer a real id.
            Errors retriable = api == ApiKeys.TXN_OFFSET_COMMIT ? Errors.COORDINATOR_LOAD_IN_PROGRESS : Errors.CONCURRENT_TRANSACTIONS;
            answer(frame, api, version, correlationId, request.getErrorResponse(0, retriable.exception()).data(), null);
            return;
        }
        trackTransaction(api, data);
        boolean changed = txn == TransactionRequests.Outcome.MAPPED;
        changed |= switch (api) {
            case OFFSET_COMMIT -> IdentityRewriting.offsetCommitRequest((OffsetCommitRequestData) data, scope);
            case OFFSET_FETCH -> IdentityRewriting.offsetFetchRequest((OffsetFetchRequestData) data, scope);
            case TXN_OFFSET_COMMIT -> IdentityRewriting.txnOffsetCommitRequest((TxnOffsetCommitRequestData) data);
            case CONSUMER_GROUP_HEARTBEAT -> IdentityRewriting.consumerGroupHeartbeatRequest((ConsumerGroupHeartbeatRequestData) data, scope);
            default -> false;
        };
        long virtualId = api == ApiKeys.END_TXN && txn == TransactionRequests.Outcome.MAPPED ? endTxnVirtualId : -1;
        if (changed) {
            InFlightRequest slot = forwardChanged(frame, api, version, correlationId, data, null);
            if (slot != null) {
                slot.virtualProducerId = virtualId;
            }
        } else {
            conn.routedOnCluster();
            pass(ctx, frame);
        }
    }

    /**
     * A transactional InitProducerId goes to the coordinator of its cluster; its answer is turned
     * into the producer's virtual id and epoch on the way back. A request that carries the
     * producer's virtual id (a KIP-360 bump) gets the real one, or asks afresh when this cluster
     * has none for it.
     */
    private void initTransactionalProducer(ByteBuf frame, short version, int correlationId, InitProducerIdRequestData r,
                                           RequestScope scope) {
        if (r.producerId() >= 0 && scope.transactional().isTransactional(r.producerId())) {
            var real = scope.transactional().real(r.producerId(), scope.cluster());
            if (real != null) {
                r.setProducerEpoch(real.realEpoch(r.producerEpoch())).setProducerId(real.producerId());
            } else {
                r.setProducerId(-1).setProducerEpoch((short) -1);
            }
        }
        InFlightRequest slot = forwardChanged(frame, ApiKeys.INIT_PRODUCER_ID, version, correlationId, r, null);
        if (slot != null) {
            slot.transactionalId = r.transactionalId();
            slot.transactionTimeoutMs = r.transactionTimeoutMs();
            // Its answer ends whatever transaction the id had open, unless a prepared one is kept (KIP-939).
            slot.tracksTransaction = !r.keepPreparedTxn();
        }
    }

    /**
     * Marks a request whose answer opens or ends a transaction, for TransactionTracking; nothing is
     * recorded until the broker accepts it. Called only for a request about to be forwarded.
     */
    private void trackTransaction(ApiKeys api, ApiMessage data) {
        switch (api) {
            case ADD_PARTITIONS_TO_TXN -> conn.noteTransaction(((AddPartitionsToTxnRequestData) data).v3AndBelowTransactionalId());
            case ADD_OFFSETS_TO_TXN -> conn.noteTransaction(((AddOffsetsToTxnRequestData) data).transactionalId());
            case END_TXN -> conn.noteTransaction(((EndTxnRequestData) data).transactionalId());
            default -> {
            }
        }
    }

    private static boolean anyTopicStays(ProduceRequestData produce, short version, RequestScope scope) {
        for (ProduceRequestData.TopicProduceData t : produce.topicData()) {
            String name = version >= 13 ? scope.topicIds().nameOfVirtual(t.topicId()) : t.name();
            if (name != null && !scope.movedAway(name)) {
                return true;
            }
        }
        return false;
    }

    private void answer(ByteBuf frame, ApiKeys api, short version, int correlationId, ApiMessage response, Errors counted) {
        int bytes = frame.readableBytes();
        drop(frame);
        if (counted != null) {
            conn.forcedRefresh(counted, 1);
        }
        ByteBuf encoded = MessageCodec.encodeResponse(conn.alloc(), correlationId, api, version, response);
        conn.answerLocally(encoded, api.id, version, correlationId, bytes);
    }

    /** Passes the frame down the pipeline: it is no longer this handler's. */
    private void pass(ChannelHandlerContext ctx, ByteBuf frame) {
        owned = null;
        ctx.fireChannelRead(frame);
    }

    /** Releases the frame this handler owns (answered, rewritten, or dropped). */
    private void drop(ByteBuf frame) {
        owned = null;
        frame.release();
    }

    private InFlightRequest forwardChanged(ByteBuf frame, ApiKeys api, short version, int correlationId, ApiMessage body,
                                           io.cutover.proxy.core.routing.data.Misrouted misrouted) {
        ByteBuf rewritten;
        boolean expectsResponse;
        try {
            // Everything that reads the frame comes before the new buffer is allocated: nothing can
            // throw once it exists, so it never needs releasing here.
            expectsResponse = api != ApiKeys.PRODUCE || ProduceRequestFrames.acks(frame) != 0;
            rewritten = MessageCodec.encodeRequest(conn.alloc(), MessageCodec.decodeRequestHeader(frame), body);
        } finally {
            drop(frame);
        }
        if (misrouted == null) {
            conn.routedOnCluster();
        }
        return conn.forward(rewritten, api.id, version, correlationId, expectsResponse, misrouted);
    }
}
