package io.cutover.proxy.core.api;

/** How the proxy treats one API on its way through. */
public enum ApiHandling {
    /** Not advertised and refused: controller-only APIs, and APIs the proxy cannot make safe. */
    HIDDEN,
    /** Forwarded as bytes in both directions. */
    PASS_THROUGH,
    /** The request is forwarded as bytes; the response is decoded and rewritten. */
    REWRITE_RESPONSE
}
