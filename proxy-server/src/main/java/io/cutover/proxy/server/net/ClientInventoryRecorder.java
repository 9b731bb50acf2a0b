package io.cutover.proxy.server.net;

import io.cutover.proxy.core.inventory.ClientRecord;
import io.cutover.proxy.core.inventory.PrincipalRecord;
import io.cutover.proxy.core.routing.data.RequestedTopics;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Fills the client inventory from what each connection sends: the APIs it uses (a bit per API,
 * written once), its software (ApiVersions v3+), its producer kind (InitProducerId), its
 * transactional id (InitProducerId, or the first EndTxn or AddOffsetsToTxn), its group (the first
 * group request), and the topics it writes and reads. Topics are sampled, the first
 * {@value #SAMPLED} Produce/Fetch requests of a connection and one in {@value #EVERY} after, so a
 * steady stream costs a counter per request. A client that logged in (or showed a certificate) is
 * also recorded under its principal, with its Produce bytes (every request, a counter add): what the
 * acls-on-target and quotas-on-target gates compare with the target.
 */
final class ClientInventoryRecorder extends ChannelInboundHandlerAdapter implements BodyNeed {
    private static final int SAMPLED = 64;
    private static final int EVERY = 1_000;

    private final ClientSession conn;
    private ClientRecord record;
    /** The record of the principal the connection logged in as; null before a login, or without one. */
    private PrincipalRecord principalRecord;
    private PrincipalRecord.Traffic traffic;
    private String address;
    private int dataRequests;
    private boolean groupKnown;
    private boolean transactionalIdKnown;
    private long lastSeenMillis;

    ClientInventoryRecorder(ClientSession conn) {
        this.conn = conn;
    }

    @Override
    public boolean needsBody(ApiKeys api, short version) {
        return switch (api) {
            case PRODUCE, FETCH -> sampled();
            case API_VERSIONS -> version >= 3;
            case INIT_PRODUCER_ID, JOIN_GROUP -> true;
            case SYNC_GROUP, HEARTBEAT, OFFSET_COMMIT, OFFSET_FETCH, CONSUMER_GROUP_HEARTBEAT -> !groupKnown;
            case END_TXN, ADD_OFFSETS_TO_TXN -> !transactionalIdKnown;
            default -> false;
        };
    }

    private boolean sampled() {
        return dataRequests < SAMPLED || dataRequests % EVERY == 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        RequestFrame request = (RequestFrame) msg;
        try {
            record(ctx, request);
        } catch (RuntimeException e) {
            conn.refuseMalformed(request, e);
            return;
        }
        ctx.fireChannelRead(request);
    }

    private String recordedPrincipal;

    private void record(ChannelHandlerContext ctx, RequestFrame request) {
        if (record == null) {
            InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
            address = remote == null ? "?" : remote.getAddress().getHostAddress();
            record = conn.proxy().inventory().connected(conn.clientId(), address, conn.cluster());
        }
        record.used(request.apiKey());
        long now = System.currentTimeMillis();
        String principal = conn.principal();
        if (principal != recordedPrincipal) {
            // A certificate's subject from the handshake, then (with listener.sasl) the user who logged in.
            recordedPrincipal = principal;
            record.principal(principal);
            if (conn.oldScramNonce()) {
                record.oldScramNonce();
            }
            loggedInAs(principal, now);
        }
        if (now - lastSeenMillis > 1_000) {
            lastSeenMillis = now;
            record.seen(now);
            if (principalRecord != null) {
                principalRecord.seen(now);
            }
        }
        // Each body read below was decoded by RequestDecoder, as needsBody asked.
        switch (request.api) {
            case PRODUCE, FETCH -> {
                if (traffic != null && request.api == ApiKeys.PRODUCE) {
                    traffic.produced(request.bytes(), now); // a quota counts the request's bytes, as does this
                }
                if (sampled()) {
                    topics(request);
                }
                dataRequests++;
            }
            case API_VERSIONS -> {
                if (request.apiVersion >= 3 && request.decodedOrNull() instanceof ApiVersionsRequestData v) {
                    record.software(v.clientSoftwareName(), v.clientSoftwareVersion());
                }
            }
            case INIT_PRODUCER_ID -> {
                if (request.decodedOrNull() instanceof InitProducerIdRequestData p) {
                    if (p.transactionalId() == null) {
                        record.idempotent();
                    } else {
                        transactionalId(p.transactionalId());
                    }
                }
            }
            case END_TXN, ADD_OFFSETS_TO_TXN -> {
                // A producer keeps its producer id across a proxy restart and never sends InitProducerId
                // again; its next transaction's end tells the restarted proxy its id, which a wave must move.
                ApiMessage body = request.decodedOrNull();
                String id = body instanceof EndTxnRequestData e ? e.transactionalId()
                    : body instanceof AddOffsetsToTxnRequestData a ? a.transactionalId() : null;
                if (id != null && !id.isEmpty()) {
                    transactionalId(id);
                }
            }
            case JOIN_GROUP -> {
                // Rare (a rebalance), and its protocol tells a Streams or Connect member from a plain consumer.
                if (request.decodedOrNull() instanceof JoinGroupRequestData j) {
                    record.groupProtocol(j.protocolType(), j.protocols().isEmpty() ? null : j.protocols().iterator().next().name());
                    if (!groupKnown && j.groupId() != null && !j.groupId().isEmpty()) {
                        group(j.groupId());
                    }
                }
            }
            case SYNC_GROUP, HEARTBEAT, OFFSET_COMMIT, OFFSET_FETCH, CONSUMER_GROUP_HEARTBEAT -> {
                if (!groupKnown) {
                    String group = group(request.decodedOrNull());
                    if (group != null && !group.isEmpty()) {
                        group(group);
                    }
                }
            }
            default -> {
            }
        }
    }

    /** From now on what the connection does is also its principal's; its Fetch responses are counted by the response queue. */
    private void loggedInAs(String principal, long now) {
        if (principal == null) {
            return;
        }
        principalRecord = conn.proxy().inventory().principals().of(principal);
        principalRecord.address(address);
        traffic = principalRecord.traffic(conn.clientId(), now);
        conn.traffic(traffic);
    }

    private void transactionalId(String id) {
        record.transactionalId(id);
        if (principalRecord != null) {
            principalRecord.transactionalId(id);
        }
        transactionalIdKnown = true;
    }

    private void group(String group) {
        record.group(group);
        if (principalRecord != null) {
            principalRecord.group(group);
        }
        groupKnown = true;
    }

    private void topics(RequestFrame request) {
        ApiMessage body = request.decodedOrNull();
        if (body == null) {
            return;
        }
        if (body instanceof FetchRequestData f && (f.replicaId() >= 0 || (f.replicaState() != null && f.replicaState().replicaId() >= 0))) {
            return; // a follower broker, not a consumer
        }
        var ids = conn.rewriteContext().topicIds();
        for (String t : RequestedTopics.of(body, id -> ids.nameOf(conn.cluster(), id))) {
            if (request.api == ApiKeys.PRODUCE) {
                record.produced(t);
                if (principalRecord != null) {
                    principalRecord.produced(t);
                }
            } else {
                record.fetched(t);
                if (principalRecord != null) {
                    principalRecord.fetched(t);
                }
            }
        }
    }

    private static String group(ApiMessage m) {
        if (m instanceof JoinGroupRequestData r) {
            return r.groupId();
        } else if (m instanceof SyncGroupRequestData r) {
            return r.groupId();
        } else if (m instanceof HeartbeatRequestData r) {
            return r.groupId();
        } else if (m instanceof OffsetCommitRequestData r) {
            return r.groupId();
        } else if (m instanceof ConsumerGroupHeartbeatRequestData r) {
            return r.groupId();
        } else if (m instanceof OffsetFetchRequestData r) {
            return r.groups().isEmpty() ? r.groupId() : r.groups().get(0).groupId();
        }
        return null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (record != null) {
            conn.proxy().inventory().disconnected(record, conn.cluster());
        }
        super.channelInactive(ctx);
    }
}
