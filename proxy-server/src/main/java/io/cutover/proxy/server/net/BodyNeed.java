package io.cutover.proxy.server.net;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * A handler's say in whether a request must be decoded before it reaches the handler. Asked once
 * per request by {@link RequestDecoder}, on the event loop, so an answer may depend on the
 * handler's own state and on what is active now (a fence, a capture).
 */
@FunctionalInterface
interface BodyNeed {
    boolean needsBody(ApiKeys api, short version);
}
