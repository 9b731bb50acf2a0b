package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.route.OpenTransactions;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * Keeps {@link OpenTransactions} current from the brokers' answers, not from the requests: a
 * partition counts as in a transaction once its coordinator (AddPartitionsToTxn) or, under
 * transaction version 2, its leader (a transactional Produce) said NONE for it. A request the
 * broker refuses (a made-up transactional id, a stale epoch) records nothing, so it cannot hold
 * route changes. Reads the response only; the frame passes on unchanged.
 *
 * <p>Between a request and its answer a route change is not held by it. A real producer waits for
 * AddPartitionsToTxn before it writes, and a write whose topic moved while its transaction stayed
 * is refused (INVALID_TXN_STATE), so such a transaction aborts rather than splits.
 */
final class TransactionTracking {
    private TransactionTracking() {
    }

    /** True for the answers that open or end a transaction the proxy tracks. */
    static boolean applies(InFlightRequest slot) {
        return slot.tracksTransaction
            || (slot.apiKey == ApiKeys.PRODUCE.id && slot.produceTransactionalId() != null);
    }

    static void record(InFlightRequest slot, ByteBuf response, ProxyConnection conn) {
        OpenTransactions open = conn.context().routing().openTransactions();
        String cluster = conn.cluster();
        ApiKeys api = ApiKeys.forId(slot.apiKey);
        switch (api) {
            case ADD_PARTITIONS_TO_TXN -> {
                var r = (AddPartitionsToTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (slot.apiVersion <= 3) {
                    addedPartitions(conn, open, slot.transactionalId, cluster, acceptedTopics(r.resultsByTopicV3AndBelow()));
                } else if (r.errorCode() == Errors.NONE.code()) {
                    // Version 4 and up (brokers verifying for their clients) answer per transaction.
                    r.resultsByTransaction().forEach(t -> addedPartitions(conn, open, t.transactionalId(), cluster,
                        acceptedTopics(t.topicResults())));
                }
            }
            case ADD_OFFSETS_TO_TXN -> {
                var r = (AddOffsetsToTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    added(conn, open, slot.transactionalId, cluster, List.of());
                }
            }
            case END_TXN -> {
                var r = (EndTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    open.ended(slot.transactionalId);
                }
            }
            case INIT_PRODUCER_ID -> {
                // A new producer epoch for the id: the coordinator has ended whatever transaction it had open.
                var r = (InitProducerIdResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    open.ended(slot.transactionalId);
                }
            }
            case PRODUCE -> {
                var r = (ProduceResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                TopicIds ids = conn.rewriteContext().topicIds();
                List<String> topics = new ArrayList<>();
                for (ProduceResponseData.TopicProduceResponse t : r.responses()) {
                    for (ProduceResponseData.PartitionProduceResponse p : t.partitionResponses()) {
                        if (p.errorCode() == Errors.NONE.code()) {
                            String name = t.name() != null && !t.name().isEmpty() ? t.name() : ids.nameOf(cluster, t.topicId());
                            if (name != null) {
                                topics.add(name);
                            }
                            break;
                        }
                    }
                }
                addedPartitions(conn, open, slot.produceTransactionalId(), cluster, topics);
            }
            default -> {
            }
        }
    }

    private static List<String> acceptedTopics(AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResultCollection results) {
        List<String> topics = new ArrayList<>();
        for (AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult t : results) {
            for (AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult p : t.resultsByPartition()) {
                if (p.partitionErrorCode() == Errors.NONE.code()) {
                    topics.add(t.name());
                    break;
                }
            }
        }
        return topics;
    }

    private static void addedPartitions(ProxyConnection conn, OpenTransactions open, String transactionalId, String cluster,
                                        List<String> topics) {
        if (!topics.isEmpty()) {
            added(conn, open, transactionalId, cluster, topics);
        }
    }

    private static void added(ProxyConnection conn, OpenTransactions open, String transactionalId, String cluster, List<String> topics) {
        if (transactionalId == null) {
            return;
        }
        if (!conn.transactions().admit(transactionalId)) {
            conn.context().connectionLog().warn("{}: more than {} transactional ids on one connection; the transaction of {} is not"
                + " tracked, and route changes do not wait for it", conn.describeClient(), ConnectionTransactions.MAX_TRANSACTIONAL_IDS,
                transactionalId);
            return;
        }
        if (!open.added(transactionalId, cluster, topics, conn.identity())) {
            conn.context().connectionLog().warn("{}: the table of open transactions is full; the transaction of {} is not tracked",
                conn.describeClient(), transactionalId);
        }
    }
}
