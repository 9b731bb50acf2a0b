package io.cutover.proxy.server.net;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiMessage;

/** Takes responses back to the client, each in its request's place in the response order. */
interface ResponseReceiver {

    /** Answers a request without asking upstream; releases the request. */
    void answer(RequestFrame request, ApiMessage response);

    /** As above, with a response the caller encoded itself (taken). */
    void answerEncoded(RequestFrame request, ByteBuf response);

    /**
     * Answers a request with a response still being built (from the proxy's own links to the
     * clusters); its place in the order is held meanwhile. Releases the request.
     */
    void answerLater(RequestFrame request, CompletionStage<? extends ApiMessage> answer);

    /**
     * Matches a response from upstream to its request: brokers answer in request order, so it must
     * be the oldest still waiting. Returns the slot now holding {@code response}, or null (the
     * connection is then failed, and the response is the caller's to release).
     */
    InFlightRequest correlate(ByteBuf response);

    /**
     * The request whose response the client gets next, when that response is to come from upstream
     * and has not come yet: its bytes may go to the client as they arrive. Null otherwise.
     */
    InFlightRequest nextFromUpstream();

    /** Writes the first bytes of the response {@link #nextFromUpstream} awaits, before the rest has come (taken). */
    void sendAhead(ByteBuf piece);

    /** Writes every answered response at the head of the order to the client. */
    void deliver();

    /** Flushes what was written to the client since the last flush. */
    void flushClient();
}
