package io.cutover.proxy.core.rewrite;

/** Receives every non-zero error code a rewriter walks past, for the errors-by-code metric. */
@FunctionalInterface
public interface ErrorCounter {
    void count(short errorCode);

    ErrorCounter NONE = code -> { };
}
