package io.cutover.proxy.core.state;

import java.nio.file.Path;

/**
 * A state file that holds a secret cannot be made readable by its owner only. Startup stops here:
 * a secret others on the host can read is worse than no proxy.
 */
public final class InsecureStateFileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InsecureStateFileException(Path file, String reason, Throwable cause) {
        super("state file " + file + " holds a secret but cannot be made readable by its owner only (" + reason
            + "); fix its permissions or the state directory's file system, then restart", cause);
    }
}
