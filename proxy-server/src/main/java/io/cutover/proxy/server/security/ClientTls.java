package io.cutover.proxy.server.security;

import io.cutover.proxy.core.log.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;

/** The one hook of a client channel initializer: TLS first in the pipeline when the listener serves it. */
public final class ClientTls {
    private ClientTls() {
    }

    /** Adds TLS (and the logging of refused handshakes) at the front of {@code ch}'s pipeline; nothing when {@code tls} is null. */
    public static void install(Channel ch, ListenerTls tls, RateLimitedLog log) {
        if (tls == null) {
            return;
        }
        ch.pipeline().addFirst("tls-write-pieces", new TlsWritePieces());
        ch.pipeline().addFirst("tls-refusals", new TlsRefusals(log));
        ch.pipeline().addFirst("tls", tls.newHandler(ch.alloc()));
    }

    /**
     * Under listener.tls.sni: {@code serverName} first, which reads the client's ClientHello and then
     * puts the listener's TLS handler in its own place ({@link ListenerTls#newHandler}), and the
     * logging of refused handshakes behind it, as {@link #install} does.
     */
    public static void installByServerName(Channel ch, ChannelHandler serverName, RateLimitedLog log) {
        ch.pipeline().addFirst("tls-write-pieces", new TlsWritePieces());
        ch.pipeline().addFirst("tls-refusals", new TlsRefusals(log));
        ch.pipeline().addFirst("tls-server-name", serverName);
    }
}
