package io.cutover.proxy.server.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.server.net.LiveConnections;
import io.cutover.proxy.server.net.ScriptedConnections;
import io.cutover.proxy.server.route.OpenTransactions;
import io.cutover.proxy.server.route.TransactionBoundaryGuard;
import io.cutover.proxy.server.testkit.Await;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The wait at a transaction boundary, before a switch holds the wave's writes: the proxy knows a
 * transaction is open only from its broker's answer, so a beginning sent just before the boundary
 * (an AddPartitionsToTxn still on its way) must not let the wait end as if none were open. A
 * Kafka Streams application on exactly_once_v2 hit that window, and its switch aborted.
 */
class TransactionBoundaryWaitTest {
    private static final String TXN = "app-txn";
    private static final ClientSelector.ClientIdentity CLIENT = new ClientSelector.ClientIdentity("app", null);

    private final EventLoop loop = new DefaultEventLoop();
    private final OpenTransactions open = new OpenTransactions();
    private final TransactionBoundaryGuard guard = new TransactionBoundaryGuard(open, Duration.ofSeconds(30));
    private final LiveConnections connections = new LiveConnections();
    private final RouteTable current = new RouteTable(1, "source", List.of());
    private final RouteTable next = new RouteTable(2, "target", List.of());

    @AfterEach
    void stop() {
        guard.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private WriteFence boundary(AtomicInteger reconsidered) {
        WriteFence fence = new WriteFence(Set.of("orders"), Set.of(), "source", ClientSelector.ANY, 1 << 20,
            new WaveTransactionalIds(Set.of(TXN), Set.of()), open::isOpen);
        fence.holdingTransaction(reconsidered::incrementAndGet);
        return fence;
    }

    private FenceSteps steps(Duration fenceTimeout) {
        return new FenceSteps(guard, connections, null, fenceTimeout, 1 << 20);
    }

    @Test
    void aBeginningStillUnansweredAtTheBoundaryIsWaitedForAndSoIsTheTransactionItOpens() {
        ScriptedConnections.Scripted coordinator = ScriptedConnections.add(connections, "source", loop);
        coordinator.sent(TXN);
        AtomicInteger reconsidered = new AtomicInteger();
        WriteFence fence = boundary(reconsidered);

        CompletableFuture<String> waited = CompletableFuture.supplyAsync(() -> steps(Duration.ofSeconds(30)).awaitTransactionsEnded(current, next, fence));
        Await.until("the connection asked again and again about its unanswered request", Duration.ofSeconds(10),
            () -> coordinator.asked() >= 3);
        assertFalse(waited.isDone(), "no transaction was open yet, but an AddPartitionsToTxn was still unanswered: the wait goes on");

        // The coordinator's answer opens the transaction, on the connection's own thread.
        loop.execute(() -> {
            open.added(TXN, "source", List.of("orders"), CLIENT);
            coordinator.answered(TXN);
        });
        int before = reconsidered.get();
        Await.until("the wait went on for the transaction that answer opened", Duration.ofSeconds(10),
            () -> reconsidered.get() >= before + 3 && open.isOpen(TXN));
        assertFalse(waited.isDone(), "the transaction is open: the boundary waits for its end");

        open.ended(TXN);
        String refused = Await.until("the wait ended with the transaction", Duration.ofSeconds(10), () -> waited.getNow("pending"),
            r -> !"pending".equals(r));
        assertNull(refused, "nothing is open and nothing unanswered: the writes may be held");
        assertTrue(open.splitBy(next).isEmpty());
    }

    @Test
    void aLongTransactionDoesNotUseUpTheTimeGivenToAnswers() {
        ScriptedConnections.Scripted coordinator = ScriptedConnections.add(connections, "source", loop);
        open.added(TXN, "source", List.of("orders"), CLIENT);
        AtomicInteger reconsidered = new AtomicInteger();
        WriteFence fence = boundary(reconsidered);

        CompletableFuture<String> waited = CompletableFuture.supplyAsync(() -> steps(Duration.ofMillis(1500)).awaitTransactionsEnded(current, next, fence));
        // At least 20 ms apart: the open transaction has outlasted the 1.5 s fence timeout.
        Await.until("the transaction stayed open past the fence timeout", Duration.ofSeconds(20), () -> reconsidered.get() >= 90);
        loop.execute(() -> {
            coordinator.sent(TXN);
            open.ended(TXN);
        });
        int asked = coordinator.asked();
        Await.until("the boundary asked about the unanswered request", Duration.ofSeconds(10), () -> coordinator.asked() >= asked + 3);
        assertFalse(waited.isDone(), "the fence timeout counts from when a request was first seen unanswered, not from the start");

        loop.execute(() -> coordinator.answered(TXN));
        String refused = Await.until("the wait ended once it was answered", Duration.ofSeconds(10), () -> waited.getNow("pending"),
            r -> !"pending".equals(r));
        assertNull(refused);
    }

    @Test
    void requestsOfOtherIdsAndOtherClustersDoNotHoldTheBoundary() {
        ScriptedConnections.add(connections, "source", loop).sent("other-app-txn");
        ScriptedConnections.add(connections, "target", loop).sent(TXN);

        String refused = steps(Duration.ofSeconds(30)).awaitTransactionsEnded(current, next, boundary(new AtomicInteger()));

        assertNull(refused);
    }

    @Test
    void aBeginningNeverAnsweredRefusesTheSwitchAfterTheFenceTimeout() {
        ScriptedConnections.add(connections, "source", loop).sent(TXN);

        String refused = steps(Duration.ofMillis(300)).awaitTransactionsEnded(current, next, boundary(new AtomicInteger()));

        assertTrue(refused != null && refused.contains("still unanswered after 300 ms"), String.valueOf(refused));
        assertEquals(0, open.size());
    }
}
