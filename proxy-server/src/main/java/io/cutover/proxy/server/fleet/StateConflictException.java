package io.cutover.proxy.server.fleet;

/** A compare-and-set on the state topic lost: the entity moved on, or another instance wrote at the same moment. */
public final class StateConflictException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long currentVersion;

    public StateConflictException(String message, long currentVersion) {
        super(message);
        this.currentVersion = currentVersion;
    }

    /** The entity's version as this instance last read it. */
    public long currentVersion() {
        return currentVersion;
    }
}
