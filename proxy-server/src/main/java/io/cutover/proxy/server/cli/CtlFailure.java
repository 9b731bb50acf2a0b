package io.cutover.proxy.server.cli;

/**
 * Why a {@code ctl} command stops short, and the exit code that tells a script which kind of stop it
 * was. Thrown from anywhere in a command; {@link CtlCommand} prints it and returns the code.
 */
final class CtlFailure extends Exception {
    /** The proxy answered 4xx or 5xx. */
    static final int REFUSED = 1;
    /** The command line is wrong; nothing was sent. */
    static final int USAGE = 2;
    /** The admin endpoint did not answer at all. */
    static final int UNREACHABLE = 3;

    private final int exitCode;
    private final String usage;

    private CtlFailure(int exitCode, String message, String usage) {
        super(message, null, false, false);
        this.exitCode = exitCode;
        this.usage = usage;
    }

    /** A usage error; {@code usage} is the help of the command that was misused, printed after the message. */
    static CtlFailure usage(String message, String usage) {
        return new CtlFailure(USAGE, message, usage);
    }

    static CtlFailure refused(String message) {
        return new CtlFailure(REFUSED, message, null);
    }

    static CtlFailure unreachable(String message) {
        return new CtlFailure(UNREACHABLE, message, null);
    }

    int exitCode() {
        return exitCode;
    }

    /** The help to print after the message, or null. */
    String usageText() {
        return usage;
    }
}
