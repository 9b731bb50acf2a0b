package io.cutover.proxy.server.net;

import io.netty.channel.Channel;

/**
 * Reading from a channel is paused while any reason holds, and resumed when none does. Several
 * handlers pause the same channel for different reasons; a bit per reason keeps one from resuming
 * what another paused.
 */
final class ReadGate {
    static final int CONNECTING = 1;
    static final int PEER_UNWRITABLE = 2;
    static final int TOO_MANY_IN_FLIGHT = 4;
    /** A wave's write fence holds a request of this connection; nothing after it may overtake it. */
    static final int FENCED = 8;
    /** The proxy is draining: what was read is answered, nothing more is read, then the connection closes. */
    static final int DRAINING = 16;
    /** A frame this connection has begun waits for proxy-wide memory (limits.request-memory, or limits.response-memory on a broker connection). */
    static final int MEMORY = 32;

    private final Channel channel;
    private int reasons;

    ReadGate(Channel channel, int initialReasons) {
        this.channel = channel;
        this.reasons = initialReasons;
    }

    /** @return true if this call paused a channel that was reading. */
    boolean pause(int reason) {
        boolean wasOpen = reasons == 0;
        reasons |= reason;
        if (wasOpen) {
            channel.config().setAutoRead(false);
        }
        return wasOpen;
    }

    void resume(int reason) {
        if ((reasons & reason) == 0) {
            return;
        }
        reasons &= ~reason;
        if (reasons == 0) {
            channel.config().setAutoRead(true);
        }
    }

    /** True while any reason holds. */
    boolean isPaused() {
        return reasons != 0;
    }

    boolean isPaused(int reason) {
        return (reasons & reason) != 0;
    }
}
