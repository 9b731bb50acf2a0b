package io.cutover.proxy.server.cli;

import io.cutover.proxy.server.ProxyServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM drains the proxy instead of stopping it at once: orchestrators (Kubernetes, systemd,
 * ECS) send it before a deploy replaces the process, and a drain lets every client's answers out
 * first. The JVM's own handling (run the shutdown hooks, exit 143) is replaced for SIGTERM only:
 * SIGINT (Ctrl+C) still stops at once, and a second SIGTERM is logged and changes nothing.
 */
final class DrainOnSigterm {
    private static final Logger LOG = LoggerFactory.getLogger(DrainOnSigterm.class);

    private DrainOnSigterm() {
    }

    /** @return false when this JVM does not let SIGTERM be handled (the shutdown hook then stops the proxy at once) */
    static boolean install(ProxyServer proxy) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> {
                if (!proxy.drain("SIGTERM")) {
                    LOG.info("SIGTERM: already draining; the drain goes on as it began");
                }
            });
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.warn("cannot handle SIGTERM ({}); it stops the proxy without a drain (POST /drain drains)", e.toString());
            return false;
        }
    }
}
