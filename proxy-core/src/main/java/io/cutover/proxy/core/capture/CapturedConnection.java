package io.cutover.proxy.core.capture;

import java.net.InetSocketAddress;

/**
 * A summary of one connection of a capture.
 *
 * @param handshakeCaptured whether the capture holds its SYN; if not, each direction was synced to
 *                          the first plausible frame and earlier bytes were dropped
 * @param endReason         null while the connection is open and the capture not yet at its end
 */
public record CapturedConnection(int connectionId, InetSocketAddress client, InetSocketAddress server,
                                 boolean handshakeCaptured, long firstMicros, long lastMicros, long requests, long responses,
                                 CapturedConnectionEnd.Reason endReason) {
}
