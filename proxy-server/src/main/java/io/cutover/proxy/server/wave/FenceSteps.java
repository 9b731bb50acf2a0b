package io.cutover.proxy.server.wave;

import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.net.LiveConnections;
import io.cutover.proxy.server.net.UncertainWrites;
import io.cutover.proxy.server.route.RouteChangeGuard;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * The steps around a write fence that every instance takes for itself: letting open transactions
 * end at the boundary, draining the writes already sent, and waiting out writes of unknown outcome.
 * The switching instance takes them for its own connections, and each other instance of a fleet
 * for its own when it raises the same fence.
 */
final class FenceSteps {
    private static final long POLL_NANOS = 2_000_000L;
    /** How often connections held at a transaction boundary look at their request again. */
    private static final long RECONSIDER_NANOS = 20_000_000L;
    private static final long WHILE_WAITING_NANOS = 1_000_000_000L;

    private final RouteChangeGuard transactionGuard;
    private final LiveConnections connections;
    private final TopicIds topicIds;
    private final Duration fenceTimeout;
    private final long fenceMaxBytes;

    FenceSteps(RouteChangeGuard transactionGuard, LiveConnections connections, TopicIds topicIds, Duration fenceTimeout,
               long fenceMaxBytes) {
        this.transactionGuard = transactionGuard;
        this.connections = connections;
        this.topicIds = topicIds;
        this.fenceTimeout = fenceTimeout;
        this.fenceMaxBytes = fenceMaxBytes;
    }

    void drain(WriteFence fence, String from, Set<String> topics, long deadline) {
        while (true) {
            checkFence(fence, deadline, "draining writes already sent to " + from);
            boolean producing;
            try {
                producing = connections.producing(from, topics, topicIds).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                throw new SwitchAbort("draining: " + e);
            }
            if (!producing && settled(from, topics, deadline, "draining writes already sent to " + from)) {
                return;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /**
     * Waits (up to routing.transaction-wait) until no open transaction would be split by {@code next};
     * returns why not, or null. Meanwhile the connections held at the transaction boundary look at
     * their request again now and then, in case it belongs to a transaction begun meanwhile.
     */
    String awaitTransactionsEnded(RouteTable current, RouteTable next, WriteFence fence) {
        return awaitTransactionsEnded(current, next, fence, () -> { });
    }

    /**
     * As above; {@code whileWaiting} runs about once a second while transactions are still open.
     *
     * <p>Open transactions are known from the brokers' answers, so a beginning sent just before the
     * boundary (an AddPartitionsToTxn, a transactional Produce) opens its transaction only when its
     * answer comes, possibly after the count found none open: the switch would then hold that
     * transaction's writes and have to abort. So the wait ends only when, after no transaction was
     * open, no transactional request of a moving id is still unanswered, and then still none is open.
     */
    String awaitTransactionsEnded(RouteTable current, RouteTable next, WriteFence fence, Runnable whileWaiting) {
        boolean quiet = false;
        long unansweredSince = 0;
        while (true) {
            CompletableFuture<Optional<String>> admitted = transactionGuard.admit(current, next).toCompletableFuture();
            if (quiet && admitted.isDone()) {
                // Nothing unanswered after none was open, and none open since: nothing can begin one now.
                return admitted.join().orElse(null);
            }
            String refused = awaitAdmitted(admitted, fence, whileWaiting);
            if (refused != null || !fence.movesTransactions()) {
                return refused;
            }
            Boolean sending = sendingTransactional(fence);
            if (sending == null) {
                return "interrupted";
            }
            quiet = !sending;
            if (quiet) {
                unansweredSince = 0;
            } else {
                long now = System.nanoTime();
                if (unansweredSince == 0) {
                    unansweredSince = now;
                } else if (now - unansweredSince > fenceTimeout.toNanos()) {
                    return "transactional requests of the wave's ids sent before the boundary were still unanswered after "
                        + fenceTimeout.toMillis() + " ms (waves.fence-timeout); retry";
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    /** Whether a connection still waits for such an answer; taken as yes when they do not all say in time; null if interrupted. */
    private Boolean sendingTransactional(WriteFence fence) {
        try {
            return connections.sendingTransactional(fence.fromCluster(), fence::movesTransactionalId)
                .get(fenceTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private String awaitAdmitted(CompletableFuture<Optional<String>> admitted, WriteFence fence, Runnable whileWaiting) {
        long nextWhileWaiting = System.nanoTime() + WHILE_WAITING_NANOS;
        try {
            while (true) {
                try {
                    return admitted.get(RECONSIDER_NANOS, TimeUnit.NANOSECONDS).orElse(null);
                } catch (TimeoutException e) {
                    if (fence.movesTransactions()) {
                        fence.reconsider();
                    }
                    if (System.nanoTime() - nextWhileWaiting >= 0) {
                        nextWhileWaiting = System.nanoTime() + WHILE_WAITING_NANOS;
                        try {
                            whileWaiting.run();
                        } catch (ClusterAdmins.ClusterCallException unanswered) {
                            // asked again a second later; the guard's own wait bounds the whole
                        }
                    }
                }
            }
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Waits until no write of unknown outcome to the wave's topics on {@code from} can still be
     * applied; aborts at once when one would outlast {@code deadline}.
     */
    void awaitSettled(String from, Set<String> topics, long deadline, String during) {
        while (!settled(from, topics, deadline, during)) {
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    private boolean settled(String from, Set<String> topics, long deadline, String during) {
        long now = System.nanoTime();
        UncertainWrites.Pending pending = connections.uncertain().latest(from, topics, now);
        if (pending == null) {
            return true;
        }
        if (pending.settlesAtNanos() - deadline > 0) {
            throw new SwitchAbort(during + ": " + pending.describe(now) + "; switching now could leave it behind on " + from
                + " while its retry lands on the other cluster, so retry the switch after that");
        }
        return false;
    }

    void checkFence(WriteFence fence, long deadline, String during) {
        if (fence.overflowed()) {
            throw new SwitchAbort("more than waves.fence-max-bytes (" + fenceMaxBytes + ") of requests held while " + during);
        }
        if (System.nanoTime() - deadline > 0) {
            throw new SwitchAbort("waves.fence-timeout (" + fenceTimeout.toMillis() + " ms) reached while " + during);
        }
    }
}
