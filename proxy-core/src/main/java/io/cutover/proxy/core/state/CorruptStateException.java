package io.cutover.proxy.core.state;

import java.nio.file.Path;

/**
 * A state file exists but cannot be read. Startup stops here rather than silently starting from
 * defaults, which could undo an operator's decision.
 */
public final class CorruptStateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CorruptStateException(Path file, String reason, Throwable cause) {
        super("state file " + file + " is corrupt (" + reason + "); fix or move it away, then restart", cause);
    }
}
