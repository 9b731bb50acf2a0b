package io.cutover.proxy.server.net;

/**
 * Whether a Fetch continuing a fetch session must be told its session is gone: KIP-227 sessions
 * are per broker connection and cannot follow a partition to another cluster, so after a routing
 * change a session that may hold partitions that moved is reset.
 */
final class FetchSessionResets {
    /** Route table version this connection's last Fetch saw; -1 before the first. */
    private long lastVersion = -1;

    boolean mustReset(int sessionId, int sessionEpoch, long routesVersion) {
        boolean reset = lastVersion != -1 && lastVersion != routesVersion && sessionId != 0 && sessionEpoch > 0;
        lastVersion = routesVersion;
        return reset;
    }
}
