package io.cutover.proxy.core.routing.data;

import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A request after routing: what goes upstream (null when nothing does), whether it differs from
 * what the client sent (then it is re-encoded), and what the response must add for the partitions
 * taken out.
 */
public record Routed(ApiMessage forward, boolean changed, Misrouted misrouted) {
    public static final Routed UNCHANGED = new Routed(null, false, null);

    public boolean forwardsNothing() {
        return forward == null && changed;
    }
}
