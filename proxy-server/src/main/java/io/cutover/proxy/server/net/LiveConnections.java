package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The client connections open now, so a wave's drain can ask each, on its own event loop, whether
 * it still waits for a broker to answer a write, and the proxy's drain can close each in turn.
 * Touched once per connection, never per request.
 */
public final class LiveConnections {
    private final Set<LiveConnection> all = ConcurrentHashMap.newKeySet();
    private final UncertainWrites uncertain;
    private final CompletableFuture<Void> allClosed = new CompletableFuture<>();
    /** Set once the proxy drains: what to do with a connection that starts after that (one accepted just before the listeners closed, or one that logs in late). */
    private volatile Consumer<LiveConnection> draining;

    /** With the defaults of {@code waves.unknown-outcome-window}. */
    public LiveConnections() {
        this(new UncertainWrites(java.time.Duration.ofSeconds(30), UNCERTAIN_TOPICS));
    }

    public LiveConnections(UncertainWrites uncertain) {
        this.uncertain = uncertain;
    }

    /** The most topics whose writes of unknown outcome are told apart; past it, all of a cluster's are held. */
    public static final int UNCERTAIN_TOPICS = 10_000;

    /** Writes sent through connections that closed unanswered, or timed out: a drain waits them out. */
    public UncertainWrites uncertain() {
        return uncertain;
    }

    void add(LiveConnection c) {
        all.add(c);
        Consumer<LiveConnection> late = draining;
        if (late != null) {
            late.accept(c);
        }
    }

    void remove(LiveConnection c) {
        all.remove(c);
        if (draining != null && all.isEmpty()) {
            allClosed.complete(null);
        }
    }

    /** True once the proxy drains: new connections are refused. */
    public boolean draining() {
        return draining != null;
    }

    /**
     * Marks the proxy draining and returns the connections open now, in no particular order.
     * A connection that starts from now on is handed to {@code late} at once.
     */
    List<LiveConnection> beginDrain(Consumer<LiveConnection> late) {
        draining = late;
        List<LiveConnection> open = new ArrayList<>(all);
        if (all.isEmpty()) {
            allClosed.complete(null);
        }
        return open;
    }

    /** Completes once the proxy drains and no connection is open any more. */
    public CompletableFuture<Void> allClosed() {
        return allClosed;
    }

    public int size() {
        return all.size();
    }

    /** Completes with true when any connection to {@code cluster} awaits the answer to a Produce naming one of {@code topics}. */
    public CompletableFuture<Boolean> producing(String cluster, Set<String> topics, TopicIds ids) {
        return any(cluster, c -> c.producing(topics, ids));
    }

    /**
     * Completes with true when any connection to {@code cluster} (any cluster, for null) awaits the
     * answer to a transactional request of an id {@code transactionalIds} accepts.
     */
    public CompletableFuture<Boolean> sendingTransactional(String cluster, Predicate<String> transactionalIds) {
        return any(cluster, c -> c.sendingTransactional(transactionalIds));
    }

    /** Asks each open connection to {@code cluster} on its own event loop; true when any says so. */
    private CompletableFuture<Boolean> any(String cluster, Predicate<LiveConnection> question) {
        List<CompletableFuture<Boolean>> answers = new ArrayList<>();
        for (LiveConnection c : all) {
            if (cluster != null && !c.cluster().equals(cluster) || c.isClosed()) {
                continue;
            }
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            c.eventLoop().execute(() -> answer.complete(!c.isClosed() && question.test(c)));
            answers.add(answer);
        }
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
            .thenApply(v -> answers.stream().anyMatch(CompletableFuture::join));
    }
}
