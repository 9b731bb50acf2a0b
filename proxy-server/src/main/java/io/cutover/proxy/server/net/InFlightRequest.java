package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.Misrouted;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.netty.buffer.ByteBuf;

/**
 * One request awaiting its response on a client connection. Slots are reused for the life of the
 * connection, so the request path allocates none.
 */
final class InFlightRequest {
    int correlationId;
    short apiKey;
    short apiVersion;
    long arrivalNanos;
    /** Answered by the proxy itself rather than forwarded upstream. */
    boolean local;
    /** The response frame to send, once known. Owned by this slot until written or released. */
    ByteBuf response;
    /** Partitions taken out of the request, which the response must report; usually null. */
    Misrouted misrouted;
    /**
     * For a transactional InitProducerId: whose answer the proxy turns into a virtual id; for a
     * request with {@link #tracksTransaction}: whose transaction its answer opens or ends.
     */
    String transactionalId;
    /** The answer opens or ends a transaction the proxy tracks (see TransactionTracking). */
    boolean tracksTransaction;
    int transactionTimeoutMs;
    /** For an EndTxn: the client's virtual producer id, to virtualise the next id and epoch in the answer. */
    long virtualProducerId = -1;
    /** For a Produce forwarded upstream: its decoded body, so a wave's drain can see which topics are still being written. */
    org.apache.kafka.common.message.ProduceRequestData produce;
    /**
     * For a Produce routed in place (not decoded): what it names, in a holder this slot keeps and
     * reuses; meaningful only while {@link #producedInPlace}.
     */
    private ProducedTopics produced;
    boolean producedInPlace;

    void set(int correlationId, short apiKey, short apiVersion, long arrivalNanos, boolean local) {
        this.correlationId = correlationId;
        this.apiKey = apiKey;
        this.apiVersion = apiVersion;
        this.arrivalNanos = arrivalNanos;
        this.local = local;
        this.response = null;
        this.misrouted = null;
        this.transactionalId = null;
        this.tracksTransaction = false;
        this.virtualProducerId = -1;
        this.produce = null;
        this.producedInPlace = false;
    }

    /** Keeps what a Produce routed in place names, copied from the router's holder. */
    void producedInPlace(ProducedTopics topics) {
        if (produced == null) {
            produced = new ProducedTopics();
        }
        produced.copyOf(topics);
        producedInPlace = true;
    }

    /** What a Produce routed in place names, or null for any other request. */
    ProducedTopics produced() {
        return producedInPlace ? produced : null;
    }

    /** The transactional id of a Produce whose body the proxy read, or null. */
    String produceTransactionalId() {
        if (produce != null) {
            return produce.transactionalId();
        }
        return producedInPlace ? produced.transactionalId() : null;
    }

    boolean isAnswered() {
        return response != null;
    }

    void clear() {
        if (response != null) {
            response.release();
            response = null;
        }
    }
}
