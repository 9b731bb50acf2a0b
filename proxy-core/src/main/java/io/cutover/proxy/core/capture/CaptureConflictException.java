package io.cutover.proxy.core.capture;

/** A capture that cannot start because of another one (running, or holding the name). */
public final class CaptureConflictException extends RuntimeException {
    private final String running;

    public CaptureConflictException(String message) {
        this(message, null);
    }

    private CaptureConflictException(String message, String running) {
        super(message);
        this.running = running;
    }

    /** Refused because the capture {@code name} is running: one capture at a time. */
    static CaptureConflictException running(String name) {
        return new CaptureConflictException("capture " + name + " is running; stop the capture first", name);
    }

    /** The running capture that refused the start, or null when the conflict is something else (a name taken). */
    public String runningCapture() {
        return running;
    }
}
