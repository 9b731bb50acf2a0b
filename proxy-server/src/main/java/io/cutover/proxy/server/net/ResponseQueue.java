package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A client connection's requests in arrival order, each waiting for its response, whether from
 * upstream or from the proxy itself. Responses go to the client strictly in that order, as Kafka
 * clients require. Applies backpressure both ways: too many requests in flight pause reading the
 * client; a client that cannot take more pauses reading upstream.
 */
final class ResponseQueue implements ResponseReceiver {
    private static final short FETCH = ApiKeys.FETCH.id;
    private final ClientSession session;
    private final ProxyMetrics metrics;
    private final Channel client;
    private final ReadGate clientReads;
    private final InFlightRequests inFlight;
    private final int softLimit;
    private ReadGate upstreamReads;
    private ResponseMemory.Account memory;
    private boolean clientFlushPending;
    /** Runs each time the last request waiting is answered; null unless the connection is draining. */
    private Runnable whenEmpty;

    ResponseQueue(ClientSession session, ReadGate clientReads) {
        this.session = session;
        this.metrics = session.proxy().metrics();
        this.client = session.client();
        this.clientReads = clientReads;
        this.softLimit = session.proxy().config().limits().maxInFlightRequestsPerConnection();
        this.inFlight = new InFlightRequests(softLimit);
    }

    /** The upstream channel's reads, paused while the client cannot take more. */
    void upstreamReads(ReadGate reads) {
        this.upstreamReads = reads;
    }

    /** Where this connection's large responses are reserved from; told when the client can take more. */
    void memory(ResponseMemory.Account memory) {
        this.memory = memory;
    }

    /** Only the upstream's own decoder asks, so its reads exist by then. */
    void pauseUpstreamReads(int reason) {
        upstreamReads.pause(reason);
    }

    void resumeUpstreamReads(int reason) {
        if (upstreamReads != null) {
            upstreamReads.resume(reason);
        }
    }

    InFlightRequests inFlight() {
        return inFlight;
    }

    /** Holds a place for a request; null when the connection has too many (it is failed then). */
    InFlightRequest track(RequestFrame request, boolean local) {
        InFlightRequest slot = inFlight.add(request.correlationId, request.apiKey(), request.apiVersion, System.nanoTime(), local);
        if (slot == null) {
            session.fail(ProxyError.TOO_MANY_IN_FLIGHT, "more than " + softLimit + " requests in flight");
            return null;
        }
        if (inFlight.size() >= softLimit && clientReads.pause(ReadGate.TOO_MANY_IN_FLIGHT)) {
            metrics.clientReadPaused();
        }
        return slot;
    }

    @Override
    public void answer(RequestFrame request, ApiMessage response) {
        if (session.isClosed()) {
            request.release();
            return;
        }
        answerEncoded(request, MessageCodec.encodeResponse(client.alloc(), request.correlationId, request.api, request.apiVersion, response));
    }

    @Override
    public void answerEncoded(RequestFrame request, ByteBuf response) {
        metrics.request(request.apiKey());
        metrics.clientBytesReceived(request.bytes());
        InFlightRequest slot = session.isClosed() ? null : track(request, true);
        request.release();
        if (slot == null) {
            response.release();
            return;
        }
        slot.response = response;
        deliver();
        flushClient();
    }

    @Override
    public void answerLater(RequestFrame request, CompletionStage<? extends ApiMessage> answer) {
        metrics.request(request.apiKey());
        metrics.clientBytesReceived(request.bytes());
        InFlightRequest slot = session.isClosed() ? null : track(request, true);
        ApiKeys api = request.api;
        short version = request.apiVersion;
        int correlationId = request.correlationId;
        request.release();
        if (slot == null) {
            return;
        }
        answer.whenComplete((message, failure) -> client.eventLoop().execute(() -> {
            if (session.isClosed()) {
                return;
            }
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                session.fail(ProxyError.UPSTREAM_UNREACHABLE, "cannot answer " + api.name + ": " + cause.getMessage());
                return;
            }
            short headerVersion = api == ApiKeys.API_VERSIONS ? 0 : api.responseHeaderVersion(version);
            slot.response = MessageCodec.encodeResponse(client.alloc(), correlationId, headerVersion, version, message);
            deliver();
            flushClient();
        }));
    }

    @Override
    public InFlightRequest correlate(ByteBuf response) {
        int correlationId = ResponseFrames.correlationId(response);
        InFlightRequest slot = inFlight.oldestAwaitingUpstream();
        if (slot == null || slot.correlationId != correlationId) {
            session.fail(ProxyError.UPSTREAM_FAILURE, session.target().describe() + " answered correlation id " + correlationId
                + " but " + (slot == null ? "no request was waiting" : "correlation id " + slot.correlationId + " was next"));
            return null;
        }
        metrics.upstreamBytesReceived(response.readableBytes());
        slot.response = response;
        return slot;
    }

    @Override
    public InFlightRequest nextFromUpstream() {
        InFlightRequest head = inFlight.head();
        return head == null || head.local || head.isAnswered() ? null : head;
    }

    @Override
    public void sendAhead(ByteBuf piece) {
        metrics.clientBytesSent(piece.readableBytes());
        client.write(piece, client.voidPromise());
        clientFlushPending = true;
        pauseUpstreamIfClientFull();
    }

    @Override
    public void deliver() {
        InFlightRequest head;
        long now = 0;
        while ((head = inFlight.head()) != null && head.isAnswered()) {
            if (now == 0) {
                now = System.nanoTime();
            }
            ByteBuf response = head.response;
            metrics.response(head.apiKey, now - head.arrivalNanos);
            if (head.apiKey == FETCH) {
                session.fetchResponse(response.readableBytes());
            }
            // Its first bytes went ahead while it arrived (sendAhead): the rest follows them.
            response.skipBytes(head.streamed);
            metrics.clientBytesSent(response.readableBytes());
            inFlight.removeHead();
            client.write(response, client.voidPromise());
            clientFlushPending = true;
        }
        if (inFlight.size() < softLimit) {
            clientReads.resume(ReadGate.TOO_MANY_IN_FLIGHT);
        }
        if (whenEmpty != null && inFlight.size() == 0) {
            whenEmpty.run();
        }
        pauseUpstreamIfClientFull();
    }

    private void pauseUpstreamIfClientFull() {
        if (!client.isWritable() && upstreamReads != null && upstreamReads.pause(ReadGate.PEER_UNWRITABLE)) {
            metrics.upstreamReadPaused();
        }
    }

    @Override
    public void flushClient() {
        if (clientFlushPending) {
            clientFlushPending = false;
            client.flush();
        }
    }

    /** The client can take more, or no longer can: read upstream again, and give back what it has taken. */
    void clientWritabilityChanged() {
        if (memory != null) {
            memory.clientWritabilityChanged();
        }
        if (client.isWritable() && upstreamReads != null) {
            upstreamReads.resume(ReadGate.PEER_UNWRITABLE);
        }
    }

    int size() {
        return inFlight.size();
    }

    /** Calls {@code action} each time every request has been answered (it must not close the connection in the call). */
    void whenEmpty(Runnable action) {
        this.whenEmpty = action;
    }

    /** Releases every response still held; the connection is going away. */
    void releaseAll() {
        inFlight.releaseAll();
    }
}
