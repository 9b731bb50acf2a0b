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
    private final ClientSession conn;
    /** The transactional ids this connection has had transactions recorded for; made on first use. */
    private ConnectionTransactions transactions;

    TransactionTracking(ClientSession conn) {
        this.conn = conn;
    }

    /** The transactional id whose transaction the answer to this request opens or ends, or null for none. */
    static String trackedTransactionalId(ResponseFixup fixup) {
        if (fixup instanceof ResponseFixup.TransactionalInit i) {
            return i.endsTransaction() ? i.transactionalId() : null;
        } else if (fixup instanceof ResponseFixup.TransactionEnd e) {
            return e.transactionalId();
        } else if (fixup instanceof ResponseFixup.TransactionOpened o) {
            return o.transactionalId();
        } else if (fixup instanceof ResponseFixup.TransactionalProduce p) {
            return p.transactionalId();
        }
        return null;
    }

    void record(InFlightRequest slot, String transactionalId, ByteBuf response) {
        OpenTransactions open = conn.proxy().routing().openTransactions();
        String cluster = conn.cluster();
        ApiKeys api = ApiKeys.forId(slot.apiKey);
        switch (api) {
            case ADD_PARTITIONS_TO_TXN -> {
                var r = (AddPartitionsToTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (slot.apiVersion <= 3) {
                    addedPartitions(open, transactionalId, cluster, acceptedTopics(r.resultsByTopicV3AndBelow()));
                } else if (r.errorCode() == Errors.NONE.code()) {
                    // Version 4 and up (brokers verifying for their clients) answer per transaction.
                    r.resultsByTransaction().forEach(t -> addedPartitions(open, t.transactionalId(), cluster,
                        acceptedTopics(t.topicResults())));
                }
            }
            case ADD_OFFSETS_TO_TXN -> {
                var r = (AddOffsetsToTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    added(open, transactionalId, cluster, List.of());
                }
            }
            case END_TXN -> {
                var r = (EndTxnResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    open.ended(transactionalId);
                }
            }
            case INIT_PRODUCER_ID -> {
                // A new producer epoch for the id: the coordinator has ended whatever transaction it had open.
                var r = (InitProducerIdResponseData) MessageCodec.decodeResponse(response, api, slot.apiVersion);
                if (r.errorCode() == Errors.NONE.code()) {
                    open.ended(transactionalId);
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
                addedPartitions(open, transactionalId, cluster, topics);
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

    private void addedPartitions(OpenTransactions open, String transactionalId, String cluster, List<String> topics) {
        if (!topics.isEmpty()) {
            added(open, transactionalId, cluster, topics);
        }
    }

    private void added(OpenTransactions open, String transactionalId, String cluster, List<String> topics) {
        if (transactionalId == null) {
            return;
        }
        if (transactions == null) {
            transactions = new ConnectionTransactions();
        }
        if (!transactions.admit(transactionalId)) {
            conn.proxy().connectionLog().warn("{}: more than {} transactional ids on one connection; the transaction of {} is not"
                + " tracked, and route changes do not wait for it", conn.describeClient(), ConnectionTransactions.MAX_TRANSACTIONAL_IDS,
                transactionalId);
            return;
        }
        if (!open.added(transactionalId, cluster, topics, conn.identity())) {
            conn.proxy().connectionLog().warn("{}: the table of open transactions is full; the transaction of {} is not tracked",
                conn.describeClient(), transactionalId);
        }
    }
}
