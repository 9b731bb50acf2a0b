package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.routing.ClientSelector;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A wave's write fence: while it stands, Produce requests for the wave's topics and offset commits
 * for its groups, from the wave's clients on the cluster it is leaving, are held at the proxy (with
 * everything their connection sends after them, to keep order). Holding is bounded in bytes; the
 * switch bounds it in time. Release hands every held request back to its connection, which routes
 * it by whatever the route table says then.
 *
 * <p>When the wave moves transactional ids, the fence first stands at a transaction boundary only
 * ({@link #holdsWrites()} false): a request that would begin a new transaction of one of those ids
 * is held, while the transactions in progress go on to their end. Once none is open, the switch
 * holds the writes too, and the next transactions begin on the destination after the release.
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
    private final WaveTransactionalIds transactionalIds;
    private final Predicate<String> transactionOpen;
    private final ConcurrentLinkedQueue<Runnable> reconsiderers = new ConcurrentLinkedQueue<>();
    private volatile boolean holdsWrites;
    private volatile boolean released;
    private volatile boolean overflowed;

    public WriteFence(Set<String> topics, Set<String> groups, String fromCluster, ClientSelector clients, long maxBytes) {
        this(topics, groups, fromCluster, clients, maxBytes, WaveTransactionalIds.NONE, id -> false);
    }

    public WriteFence(Set<String> topics, Set<String> groups, String fromCluster, ClientSelector clients, long maxBytes,
               WaveTransactionalIds transactionalIds, Predicate<String> transactionOpen) {
        this.transactionalIds = transactionalIds;
        this.transactionOpen = transactionOpen;
        this.holdsWrites = transactionalIds.isEmpty();
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

    /** False while the fence stands at a transaction boundary only; true once it holds the wave's writes. */
    public boolean holdsWrites() {
        return holdsWrites;
    }

    /** The switch goes on from the transaction boundary: the wave's writes are held from now on. */
    public void holdWrites() {
        holdsWrites = true;
    }

    public boolean movesTransactions() {
        return !transactionalIds.isEmpty();
    }

    /**
     * True when a request of {@code transactionalId} must wait at the boundary: the id moves with
     * the wave and has no transaction open (the request would begin the next one), or the request
     * starts a new producer session ({@code initialises}).
     */
    public boolean beginsTransaction(String transactionalId, boolean initialises) {
        return transactionalIds.matches(transactionalId) && (initialises || !transactionOpen.test(transactionalId));
    }

    /** True when the wave moves {@code transactionalId}. */
    public boolean movesTransactionalId(String transactionalId) {
        return transactionalIds.matches(transactionalId);
    }

    public boolean transactionOpen(String transactionalId) {
        return transactionOpen.test(transactionalId);
    }

    /**
     * A connection holds a request at the transaction boundary; {@code reconsider} looks at it again
     * (on the connection's own thread). A request taken for the beginning of a transaction can turn
     * out to belong to one already begun by another request still on its way (a producer writes to
     * several brokers at once): once that transaction is open, the connection lets it go.
     */
    public void holdingTransaction(Runnable reconsider) {
        reconsiderers.add(reconsider);
    }

    /** Asks every connection held at the boundary to look at its request again; see {@link #holdingTransaction}. */
    public void reconsider() {
        reconsiderers.forEach(Runnable::run);
    }

    public boolean released() {
        return released;
    }

    /**
     * A fence over {@code topics} and {@code groups} towards either cluster, for every client: what an
     * instance of a fleet cut off from the others raises over the waves that may switch ({@link LeaseHold}).
     */
    public static WriteFence anyCluster(Set<String> topics, Set<String> groups, long maxBytes) {
        return new WriteFence(topics, groups, null, ClientSelector.ANY, maxBytes);
    }

    public boolean covers(String cluster, ClientSelector.ClientIdentity client) {
        return !released && (fromCluster == null || fromCluster.equals(cluster)) && (clients.isAny() || clients.matches(client));
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
