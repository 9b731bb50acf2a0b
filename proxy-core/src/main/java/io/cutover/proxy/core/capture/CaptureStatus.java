package io.cutover.proxy.core.capture;

import java.time.Instant;

/**
 * A capture as the admin API shows it; an immutable snapshot. {@code saslAuthenticateOmitted}
 * counts the SaslAuthenticate requests left out of the file (their responses with them).
 */
public record CaptureStatus(
    String name,
    String file,
    String state,
    String stopReason,
    Instant startedAt,
    Instant stoppedAt,
    CaptureFilter filter,
    long maxBytes,
    long maxDurationSeconds,
    long framesWritten,
    long bytesWritten,
    long framesDropped,
    long bytesDropped,
    long connections,
    long saslAuthenticateOmitted) {
}
