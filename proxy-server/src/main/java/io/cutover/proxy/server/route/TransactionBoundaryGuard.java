package io.cutover.proxy.server.route;

import io.cutover.proxy.server.concurrent.DaemonScheduler;
import io.cutover.proxy.core.routing.RouteTable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Holds a route change until no transaction it would split is open, for at most {@code maxWait};
 * then refuses it naming each transaction in the way. A transactional id therefore moves
 * only between transactions, and every topic of an open transaction stays on one cluster.
 */
public final class TransactionBoundaryGuard implements RouteChangeGuard, AutoCloseable {
    private static final long POLL_MILLIS = 20;

    private final OpenTransactions transactions;
    private final Duration maxWait;
    private final ScheduledExecutorService scheduler = DaemonScheduler.named("cutover-txn-guard");

    public TransactionBoundaryGuard(OpenTransactions transactions, Duration maxWait) {
        this.transactions = transactions;
        this.maxWait = maxWait;
    }

    @Override
    public CompletionStage<Optional<String>> admit(RouteTable current, RouteTable next) {
        CompletableFuture<Optional<String>> admitted = new CompletableFuture<>();
        long deadline = System.nanoTime() + maxWait.toNanos();
        check(next, deadline, admitted);
        return admitted;
    }

    private void check(RouteTable next, long deadline, CompletableFuture<Optional<String>> admitted) {
        List<String> split = transactions.splitBy(next);
        if (split.isEmpty()) {
            admitted.complete(Optional.empty());
        } else if (System.nanoTime() >= deadline) {
            admitted.complete(Optional.of("refused: the change would split open transactions, still open after "
                + maxWait.toMillis() + " ms: " + String.join("; ", split) + ". Retry once they commit or abort."));
        } else {
            scheduler.schedule(() -> check(next, deadline, admitted), POLL_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
