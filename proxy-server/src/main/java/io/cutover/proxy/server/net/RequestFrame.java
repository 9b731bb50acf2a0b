package io.cutover.proxy.server.net;

import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.codec.ProduceRequestFrames;
import io.cutover.proxy.core.routing.data.ProducedTopics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * One client request on its way through the pipeline: the frame as the client sent it, its header
 * fields read once, and its body decoded at most once. {@link RequestDecoder} decodes it up front
 * when a handler after it must read it; any later handler that needs the body gets the same
 * decoded message. A handler that changes the body marks it changed and the forwarder encodes it
 * again; an unchanged request goes upstream as the client's own bytes.
 *
 * <p>Whoever holds a RequestFrame owns its frame: it passes it on, or releases it.
 */
final class RequestFrame {
    final ApiKeys api;
    final short apiVersion;
    final int correlationId;
    private ByteBuf frame;
    private ApiMessage body;
    private boolean bodyChanged;
    private ResponseFixup fixup;
    private ProducedTopics produced;

    RequestFrame(ByteBuf frame, ApiKeys api, short apiVersion, int correlationId) {
        this.frame = frame;
        this.api = api;
        this.apiVersion = apiVersion;
        this.correlationId = correlationId;
    }

    ByteBuf frame() {
        return frame;
    }

    short apiKey() {
        return api.id;
    }

    /** Size of the frame as the client sent it, size prefix included. */
    int bytes() {
        return frame.readableBytes();
    }

    boolean isDecoded() {
        return body != null;
    }

    /**
     * The decoded body, decoding it now if nobody has yet.
     *
     * @throws io.cutover.proxy.core.codec.MalformedFrameException when the client's bytes are not a valid request
     */
    ApiMessage body() {
        if (body == null) {
            if (frame.nioBufferCount() != 1) {
                // Decoded records are views of the frame, and Produce batches are edited through
                // them in place: that needs the frame in one contiguous buffer.
                ByteBuf contiguous = frame.alloc().buffer(frame.readableBytes());
                contiguous.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
                frame.release();
                frame = contiguous;
            }
            body = MessageCodec.decodeRequest(frame, api, apiVersion);
        }
        return body;
    }

    /** The decoded body if some handler decoded it, else null; never decodes. */
    ApiMessage decodedOrNull() {
        return body;
    }

    /** The body was changed in place (it must be decoded); the forwarder encodes it again. */
    void bodyChanged() {
        if (body == null) {
            throw new IllegalStateException(api + " body changed before it was decoded");
        }
        bodyChanged = true;
    }

    /** Sends {@code replacement} upstream in place of the client's body. */
    void replaceBody(ApiMessage replacement) {
        body = replacement;
        bodyChanged = true;
    }

    boolean isBodyChanged() {
        return bodyChanged;
    }

    /** What the response to this request needs on its way back; at most one. */
    void fixup(ResponseFixup fixup) {
        this.fixup = fixup;
    }

    ResponseFixup fixup() {
        return fixup;
    }

    /**
     * For a Produce routed in place, undecoded: the topics it names, read from its bytes. The holder
     * is the router's, reused for the next request; the forwarder copies it into the request's slot.
     */
    void produced(ProducedTopics topics) {
        this.produced = topics;
    }

    ProducedTopics produced() {
        return produced;
    }

    /** acks=0 Produce requests get no response from the broker. */
    boolean expectsResponse() {
        return api != ApiKeys.PRODUCE || ProduceRequestFrames.acks(frame) != 0;
    }

    /**
     * Hands over the bytes to send upstream: the client's frame, or, when the body changed, a new
     * frame with the client's header and the changed body (the client's frame is released then).
     * The RequestFrame holds nothing afterwards.
     */
    ByteBuf takeForUpstream(ByteBufAllocator alloc) {
        ByteBuf original = frame;
        frame = null;
        if (!bodyChanged) {
            return original;
        }
        try {
            return MessageCodec.encodeRequest(alloc, MessageCodec.decodeRequestHeader(original), body);
        } finally {
            original.release();
        }
    }

    /** Releases the frame; safe to call more than once. */
    void release() {
        if (frame != null) {
            frame.release();
            frame = null;
        }
    }
}
