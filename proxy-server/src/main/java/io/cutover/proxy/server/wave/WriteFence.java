package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.routing.ClientSelector;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wave's write fence: while it stands, Produce requests for the wave's topics and offset commits
 * for its groups, from the wave's clients on the cluster it is leaving, are held at the proxy (with
 * everything their connection sends after them, to keep order). Holding is bounded in bytes; the
 * switch bounds it in time. Release hands every held request back to its connection, which routes
 * it by whatever the route table says then.
 */
public final class WriteFence {
    private final Set<String> topics;
    private final Set<String> groups;
    private final String fromCluster;
    private final ClientSelector clients;
    private final long maxBytes;
    private final AtomicLong heldBytes = new AtomicLong();
    private final AtomicInteger heldRequests = new AtomicInteger();
    private final AtomicInteger heldConnections = new AtomicInteger();
    private final ConcurrentLinkedQueue<Runnable> releasers = new ConcurrentLinkedQueue<>();
    private volatile boolean released;
    private volatile boolean overflowed;

    public WriteFence(Set<String> topics, Set<String> groups, String fromCluster, ClientSelector clients, long maxBytes) {
        this.topics = Set.copyOf(topics);
        this.groups = Set.copyOf(groups);
        this.fromCluster = fromCluster;
        this.clients = clients;
        this.maxBytes = maxBytes;
    }

    public Set<String> topics() {
        return topics;
    }

    public Set<String> groups() {
        return groups;
    }

    public String fromCluster() {
        return fromCluster;
    }

    public boolean released() {
        return released;
    }

    public boolean covers(String cluster, ClientSelector.ClientIdentity client) {
        return !released && fromCluster.equals(cluster) && (clients.isAny() || clients.matches(client));
    }

    /** A connection starts holding; {@code releaser} hands its requests back (it must be idempotent). */
    public void holding(Runnable releaser) {
        heldConnections.incrementAndGet();
        releasers.add(releaser);
        if (released) {
            runReleasers();
        }
    }

    /** Counts a held request; false once the fence holds more than its byte bound. */
    public boolean held(int bytes) {
        heldRequests.incrementAndGet();
        if (heldBytes.addAndGet(bytes) > maxBytes) {
            overflowed = true;
        }
        return !overflowed;
    }

    public boolean overflowed() {
        return overflowed;
    }

    public long heldBytes() {
        return heldBytes.get();
    }

    public int heldRequests() {
        return heldRequests.get();
    }

    public int heldConnections() {
        return heldConnections.get();
    }

    public void release() {
        released = true;
        runReleasers();
    }

    private void runReleasers() {
        Runnable r;
        while ((r = releasers.poll()) != null) {
            r.run();
        }
    }
}
