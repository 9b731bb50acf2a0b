package io.cutover.proxy.core.rewrite;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * Rewrites one API's decoded response in place so that it names only the proxy.
 *
 * @param <T> the generated response class
 */
public interface ResponseRewriter<T extends ApiMessage> {
    /**
     * @return true when the response changed and must be re-encoded; false lets the original bytes
     *     go to the client untouched.
     */
    boolean rewrite(T response, short version, RewriteContext ctx);
}
