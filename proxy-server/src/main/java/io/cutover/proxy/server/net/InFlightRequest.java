package io.cutover.proxy.server.net;

import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.message.ProduceRequestData;

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
    /** Bytes of the response that went to the client while it still arrived (FetchStreamer); 0 for none. */
    int streamed;
    /** What the response needs on its way back, or null. */
    ResponseFixup fixup;
    /**
     * For a Produce whose body was decoded: the body, so a wave's drain can see which topics are
     * still being written. Null for a Produce passed on as bytes: the drain then assumes it may
     * name any topic.
     */
    ProduceRequestData produce;
    /**
     * For a Produce routed in place: the topics it names, when {@link #producedKnown}. The holder
     * belongs to this slot and is reused by its next requests.
     */
    ProducedTopics produced;
    boolean producedKnown;
    /** For a Produce: the time the client gave the broker to answer (acks=all), from its request. */
    int produceTimeoutMs;

    void set(int correlationId, short apiKey, short apiVersion, long arrivalNanos, boolean local) {
        this.correlationId = correlationId;
        this.apiKey = apiKey;
        this.apiVersion = apiVersion;
        this.arrivalNanos = arrivalNanos;
        this.local = local;
        this.response = null;
        this.streamed = 0;
        this.fixup = null;
        this.produce = null;
        this.producedKnown = false;
    }

    /** Keeps what a Produce routed in place names, in this slot's own holder. */
    void produced(ProducedTopics topics) {
        if (produced == null) {
            produced = new ProducedTopics();
        }
        produced.copyOf(topics);
        producedKnown = true;
    }

    boolean isAnswered() {
        return response != null;
    }

    void clear() {
        if (response != null) {
            response.release();
            response = null;
        }
        streamed = 0;
        fixup = null;
        produce = null;
        producedKnown = false;
    }
}
