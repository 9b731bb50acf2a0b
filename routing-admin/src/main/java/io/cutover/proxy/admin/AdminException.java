package io.cutover.proxy.admin;

/** A refusal with an HTTP status and a message for the operator. */
public class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public AdminException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
