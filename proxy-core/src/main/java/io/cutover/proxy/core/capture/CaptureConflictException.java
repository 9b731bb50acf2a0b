package io.cutover.proxy.core.capture;

/** A capture that cannot start because of another one (running, or holding the name). */
public final class CaptureConflictException extends RuntimeException {
    public CaptureConflictException(String message) {
        super(message);
    }
}
