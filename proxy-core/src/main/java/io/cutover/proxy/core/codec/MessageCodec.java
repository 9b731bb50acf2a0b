package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * Decodes and encodes whole messages with Kafka's generated classes. Only the APIs the proxy must
 * rewrite come through here; everything else stays as bytes.
 *
 * <p>Decoding reads through an NIO view of the frame, so record fields of a decoded message are
 * views of the frame's memory: keep the frame alive while the message is in use.
 */
public final class MessageCodec {
    private MessageCodec() {
    }

    /** Decodes the body of a response frame produced for a request of {@code api} at {@code version}. */
    public static ApiMessage decodeResponse(ByteBuf frame, ApiKeys api, short version) {
        return decodeResponse(frame, api, version, api.responseHeaderVersion(version));
    }

    /** As above, with an explicit header version (an ApiVersions error answer is always header v0). */
    public static ApiMessage decodeResponse(ByteBuf frame, ApiKeys api, short version, short headerVersion) {
        int bodyOffset = ResponseFrames.bodyOffset(frame, headerVersion);
        ApiMessage message = api.messageType.newResponse();
        read(frame, bodyOffset, message, version);
        return message;
    }

    /** Decodes a request frame's header (clientId and tagged fields included). */
    public static RequestHeaderData decodeRequestHeader(ByteBuf frame) {
        short apiKey = RequestFrames.apiKey(frame);
        short version = RequestFrames.apiVersion(frame);
        short headerVersion = ApiKeys.forId(apiKey).requestHeaderVersion(version);
        int length = RequestFrames.bodyOffset(frame, headerVersion) - 4;
        try {
            return new RequestHeaderData(new ByteBufferAccessor(frame.nioBuffer(frame.readerIndex() + 4, length)), headerVersion);
        } catch (RuntimeException e) {
            throw new MalformedFrameException("cannot decode request header: " + e.getMessage());
        }
    }

    /** An NIO view of a request frame's body, for Kafka's own request parsers. */
    public static ByteBuffer requestBody(ByteBuf frame) {
        short apiKey = RequestFrames.apiKey(frame);
        int offset = RequestFrames.bodyOffset(frame, ApiKeys.forId(apiKey).requestHeaderVersion(RequestFrames.apiVersion(frame)));
        return frame.nioBuffer(frame.readerIndex() + offset, frame.readableBytes() - offset);
    }

    /** Decodes the body of a request frame. */
    public static ApiMessage decodeRequest(ByteBuf frame, ApiKeys api, short version) {
        int bodyOffset = RequestFrames.bodyOffset(frame, api.requestHeaderVersion(version));
        ApiMessage message = api.messageType.newRequest();
        read(frame, bodyOffset, message, version);
        return message;
    }

    private static void read(ByteBuf frame, int bodyOffset, ApiMessage message, short version) {
        int length = frame.readableBytes() - bodyOffset;
        if (length < 0) {
            throw new MalformedFrameException("header runs past the end of the frame");
        }
        ByteBuffer body = frame.nioBuffer(frame.readerIndex() + bodyOffset, length);
        try {
            message.read(new ByteBufferAccessor(body), version);
        } catch (RuntimeException e) {
            throw new MalformedFrameException("cannot decode " + ApiKeys.forId(message.apiKey()) + " v" + version + ": " + e.getMessage());
        }
    }

    /** Encodes a response frame (size prefix, header, body) into a new buffer from {@code alloc}. */
    public static ByteBuf encodeResponse(ByteBufAllocator alloc, int correlationId, ApiKeys api, short version, ApiMessage body) {
        return encodeResponse(alloc, correlationId, api.responseHeaderVersion(version), version, body);
    }

    /** As above, with an explicit header version (an ApiVersions error answer is always header v0). */
    public static ByteBuf encodeResponse(ByteBufAllocator alloc, int correlationId, short headerVersion, short version, ApiMessage body) {
        ResponseHeaderData header = new ResponseHeaderData().setCorrelationId(correlationId);
        return encode(alloc, header, headerVersion, body, version);
    }

    /** Encodes a request frame; used when the proxy itself talks to a broker. */
    public static ByteBuf encodeRequest(ByteBufAllocator alloc, RequestHeaderData header, ApiMessage body) {
        ApiKeys api = ApiKeys.forId(header.requestApiKey());
        short version = header.requestApiVersion();
        return encode(alloc, header, api.requestHeaderVersion(version), body, version);
    }

    private static ByteBuf encode(ByteBufAllocator alloc, ApiMessage header, short headerVersion, ApiMessage body, short version) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        int headerSize = header.size(cache, headerVersion);
        int bodySize = body.size(cache, version);
        int size = headerSize + bodySize;
        ByteBuf buf = alloc.buffer(4 + size);
        try {
            buf.writeInt(size);
            ByteBufferAccessor out = new ByteBufferAccessor(buf.nioBuffer(4, size));
            header.write(out, cache, headerVersion);
            body.write(out, cache, version);
            buf.writerIndex(4 + size);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }
}
