package io.cutover.proxy.core.routing;

/** A route table or rule that cannot be used; the message says what is wrong, for an HTTP 400. */
public final class RouteTableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RouteTableException(String message) {
        super(message);
    }
}
