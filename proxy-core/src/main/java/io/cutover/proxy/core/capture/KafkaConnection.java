package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import io.cutover.proxy.core.capture.CapturedFrame.Direction;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One captured TCP connection to a Kafka server port: its two directions, reassembled and framed,
 * and the requests waiting for responses that tie them together.
 */
final class KafkaConnection {
    private final int id;
    private final InetSocketAddress client;
    private final InetSocketAddress server;
    private final boolean handshakeCaptured;
    private final Consumer<CaptureEvent> events;
    private final CaptureStats stats;
    private final InFlightRequests inFlight = new InFlightRequests();
    private final TcpStreamReassembler requestStream;
    private final TcpStreamReassembler responseStream;
    private boolean clientSynKnown;
    private int clientSyn;
    private final long firstMicros;
    private long lastMicros;
    private long requests;
    private long responses;
    private Reason endReason;

    /**
     * {@code handshakeCaptured}: the first packet seen was the SYN (or SYN-ACK), so both directions
     * are captured from their first byte and need no hunting for a frame boundary.
     */
    KafkaConnection(int id, InetSocketAddress client, InetSocketAddress server, boolean handshakeCaptured, long firstMicros,
                    Consumer<CaptureEvent> events, CaptureStats stats) {
        this.id = id;
        this.client = client;
        this.server = server;
        this.handshakeCaptured = handshakeCaptured;
        this.firstMicros = firstMicros;
        this.lastMicros = firstMicros;
        this.events = events;
        this.stats = stats;
        KafkaFrameSplitter requestFrames = new KafkaFrameSplitter(new RequestSink(), stats,
            KafkaFrameSync.Requests.MIN_FRAME_BYTES, handshakeCaptured ? null : new KafkaFrameSync.Requests());
        KafkaFrameSplitter responseFrames = new KafkaFrameSplitter(new ResponseSink(), stats,
            KafkaFrameSync.Responses.MIN_FRAME_BYTES, handshakeCaptured ? null : new KafkaFrameSync.Responses(inFlight));
        this.requestStream = new TcpStreamReassembler(requestFrames, stats);
        this.responseStream = new TcpStreamReassembler(responseFrames, stats);
    }

    int id() {
        return id;
    }

    /** Its end event has been emitted. */
    boolean ended() {
        return endReason != null;
    }

    /** Ended, and both directions done: later packets on these ports are stragglers, or a new connection's SYN. */
    boolean closed() {
        return endReason != null && requestStream.ended() && responseStream.ended();
    }

    /**
     * Whether a client SYN on these ports starts a new connection rather than repeating this one's.
     * After a close, even the same sequence number is a new connection (a writer with fixed initial
     * sequence numbers, or plain coincidence).
     */
    boolean isNewSyn(int sequence) {
        return !clientSynKnown || sequence != clientSyn || endReason != null;
    }

    void segment(TcpSegment s, boolean fromClient) {
        long micros = s.timestampMicros();
        lastMicros = micros;
        if (s.has(TcpSegment.SYN)) {
            if (fromClient) {
                clientSynKnown = true;
                clientSyn = s.sequence();
                requestStream.syn(s.sequence());
            } else {
                responseStream.syn(s.sequence());
                if (s.has(TcpSegment.ACK)) {
                    requestStream.syn(s.acknowledgement() - 1);
                }
            }
        }
        if (s.has(TcpSegment.RST)) {
            requestStream.finish(StreamEnd.RESET, micros);
            responseStream.finish(StreamEnd.RESET, micros);
            end(Reason.RESET, micros);
            return;
        }
        TcpStreamReassembler stream = fromClient ? requestStream : responseStream;
        if (s.has(TcpSegment.ACK)) {
            (fromClient ? responseStream : requestStream).acknowledged(s.acknowledgement());
        }
        stream.segment(s);
        if (s.has(TcpSegment.FIN) && stream.ended()) {
            // Usually the stream has ended at this FIN and said so already; but when it stopped
            // early (a gap, not Kafka), the FIN still closes the connection.
            end(fromClient ? Reason.CLIENT_CLOSED : Reason.SERVER_CLOSED, micros);
        }
    }

    /** The capture ended, or a new connection took over these ports. */
    void finish(Reason reason, long micros) {
        requestStream.finish(StreamEnd.END_OF_CAPTURE, micros);
        responseStream.finish(StreamEnd.END_OF_CAPTURE, micros);
        end(reason, micros);
    }

    CapturedConnection summary() {
        return new CapturedConnection(id, client, server, handshakeCaptured, firstMicros, lastMicros, requests, responses,
            endReason);
    }

    private void end(Reason reason, long micros) {
        if (endReason == null) {
            endReason = reason;
            events.accept(new CapturedConnectionEnd(id, client, server, micros, reason));
        }
    }

    private final class RequestSink implements KafkaFrameSplitter.FrameSink {
        @Override
        public void frame(byte[] frame, long micros) {
            short apiKey = BigEndian.i16(frame, 0);
            short apiVersion = BigEndian.i16(frame, 2);
            int correlationId = BigEndian.i32(frame, 4);
            inFlight.sent(correlationId, apiKey, apiVersion);
            requests++;
            stats.request();
            events.accept(new CapturedFrame(id, client, server, Direction.REQUEST, micros, apiKey, apiVersion, correlationId,
                frame));
        }

        @Override
        public void ended(StreamEnd how, long micros) {
            if (how == StreamEnd.FIN) {
                end(Reason.CLIENT_CLOSED, micros);
            }
        }
    }

    private final class ResponseSink implements KafkaFrameSplitter.FrameSink {
        @Override
        public void frame(byte[] frame, long micros) {
            int correlationId = BigEndian.i32(frame, 0);
            InFlightRequests.Api api = inFlight.answered(correlationId);
            responses++;
            stats.response();
            events.accept(new CapturedFrame(id, client, server, Direction.RESPONSE, micros, api == null ? -1 : api.key(),
                api == null ? -1 : api.version(), correlationId, frame));
        }

        @Override
        public void ended(StreamEnd how, long micros) {
            if (how == StreamEnd.FIN) {
                end(Reason.SERVER_CLOSED, micros);
            }
        }
    }
}
