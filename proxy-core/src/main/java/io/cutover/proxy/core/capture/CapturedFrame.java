package io.cutover.proxy.core.capture;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One Kafka request or response frame from a capture.
 *
 * @param connectionId    the connection, numbered from 0 in order of first appearance
 * @param client          the client's address and port
 * @param server          the Kafka server's (or proxy's) address and port
 * @param direction       REQUEST (client to server) or RESPONSE
 * @param timestampMicros microseconds since the epoch, of the packet that completed the frame
 * @param apiKey          for a request, from its header; for a response, its request's, or -1 if the
 *                        request was not captured
 * @param apiVersion      likewise
 * @param correlationId   from the header
 * @param frame           the frame without its 4-byte size prefix: header then body
 */
public record CapturedFrame(int connectionId, InetSocketAddress client, InetSocketAddress server, Direction direction,
                            long timestampMicros, short apiKey, short apiVersion, int correlationId, byte[] frame)
    implements CaptureEvent {

    /** Which way the frame travelled. */
    public enum Direction {
        /** Client to server. */
        REQUEST,
        /** Server to client. */
        RESPONSE
    }

    /** The frame as a read-only buffer, positioned at its first header byte. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(frame).asReadOnlyBuffer();
    }

    public boolean isRequest() {
        return direction == Direction.REQUEST;
    }

    @Override
    public String toString() {
        return "CapturedFrame[connection " + connectionId + " " + client + " -> " + server + ", " + direction + " at "
            + timestampMicros + "us, api " + apiKey + " v" + apiVersion + ", correlation id " + correlationId + ", "
            + frame.length + " bytes]";
    }
}
