package io.cutover.proxy.server.security;

import io.cutover.proxy.server.net.RateLimitedLog;
import io.netty.channel.Channel;

/** The one hook of a client channel initializer: TLS first in the pipeline when the listener serves it. */
public final class ClientTls {
    private ClientTls() {
    }

    /** Adds TLS (and the logging of refused handshakes) at the front of {@code ch}'s pipeline; nothing when {@code tls} is null. */
    public static void install(Channel ch, ListenerTls tls, RateLimitedLog log) {
        if (tls == null) {
            return;
        }
        ch.pipeline().addFirst("tls-refusals", new TlsRefusals(log));
        ch.pipeline().addFirst("tls", tls.newHandler(ch.alloc()));
    }
}
