package io.cutover.proxy.server.net;

import java.util.HashSet;
import java.util.Set;

/**
 * The transactional ids one client connection has had transactions recorded for, so that one
 * connection cannot fill the proxy's table of open transactions. A Kafka producer has exactly one
 * transactional id (its connections to the coordinator and to each leader carry only that one),
 * so the bound is far above what a real client needs. Confined to the connection's event loop.
 */
final class ConnectionTransactions {
    static final int MAX_TRANSACTIONAL_IDS = 16;

    private final Set<String> ids = new HashSet<>(4);

    /** True when {@code transactionalId} may be recorded for this connection (known already, or room for one more). */
    boolean admit(String transactionalId) {
        if (ids.contains(transactionalId)) {
            return true;
        }
        if (ids.size() >= MAX_TRANSACTIONAL_IDS) {
            return false;
        }
        ids.add(transactionalId);
        return true;
    }
}
