package io.cutover.proxy.core.codec;

import io.netty.buffer.ByteBuf;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Reads the fixed part of a request header straight from a frame, without decoding it.
 *
 * <p>A frame here is the whole request as it travels on the wire, including its 4-byte size prefix,
 * starting at the buffer's reader index. Keeping the prefix lets a pass-through frame be forwarded as
 * the very same bytes. Every Kafka request header starts with apiKey (int16), apiVersion (int16) and
 * correlationId (int32), whatever its header version, so these reads need no version knowledge.
 */
public final class RequestFrames {
    /** Size prefix plus apiKey, apiVersion, correlationId and the clientId length. */
    public static final int MIN_FRAME_BYTES = 4 + 2 + 2 + 4 + 2;

    private static final int API_KEY_OFFSET = 4;
    private static final int API_VERSION_OFFSET = 6;
    private static final int CORRELATION_ID_OFFSET = 8;
    private static final int CLIENT_ID_OFFSET = 12;

    private RequestFrames() {
    }

    public static short apiKey(ByteBuf frame) {
        return frame.getShort(frame.readerIndex() + API_KEY_OFFSET);
    }

    public static short apiVersion(ByteBuf frame) {
        return frame.getShort(frame.readerIndex() + API_VERSION_OFFSET);
    }

    public static int correlationId(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + CORRELATION_ID_OFFSET);
    }

    /**
     * Offset of the request body relative to the frame's reader index. Header v1 ends after the
     * clientId; header v2 (flexible versions) adds a tagged-field section.
     */
    public static int bodyOffset(ByteBuf frame, short headerVersion) {
        int start = frame.readerIndex();
        int end = frame.writerIndex();
        int pos = start + CLIENT_ID_OFFSET;
        if (headerVersion >= 1) {
            pos = Bounds.advance(pos, 2, end, "clientId length");
            short clientIdLength = frame.getShort(pos - 2);
            if (clientIdLength < -1) {
                throw new MalformedFrameException("negative clientId length " + clientIdLength);
            }
            if (clientIdLength > end - pos) {
                throw new MalformedFrameException("clientId runs past the end of the frame");
            }
            pos += Math.max(0, clientIdLength);
        } else {
            pos -= 2;
        }
        if (headerVersion >= 2) {
            pos = TaggedFields.skip(frame, pos, end);
        }
        return pos - start;
    }

    /** Offset of the body for this frame's API and version; the API key must be known. */
    public static int bodyOffset(ByteBuf frame, ApiKeys api) {
        return bodyOffset(frame, api.requestHeaderVersion(apiVersion(frame)));
    }

    /** The clientId, or null. Allocates a String: call it off the per-request path. */
    public static String clientId(ByteBuf frame) {
        int pos = frame.readerIndex() + CLIENT_ID_OFFSET;
        if (2 > frame.writerIndex() - pos) {
            return null;
        }
        short length = frame.getShort(pos);
        if (length < 0 || length > frame.writerIndex() - pos - 2) {
            return null;
        }
        return frame.toString(pos + 2, length, java.nio.charset.StandardCharsets.UTF_8);
    }
}
