package io.cutover.proxy.server.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.testkit.Await;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** ConnectionDrain: every connection is drained once, the k-th of n no earlier than k * period / n, and late ones at once. */
class ConnectionDrainTest {
    private final EventLoop loop = new DefaultEventLoop();
    private final LiveConnections connections = new LiveConnections();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A connection that closes as soon as it is drained, remembering when, relative to {@code origin}. */
    private final class Fake implements LiveConnection {
        volatile long drainedAfterNanos = -1;
        volatile int drains;
        private final long origin;
        private boolean closed;

        Fake(long origin) {
            this.origin = origin;
        }

        @Override
        public String cluster() {
            return "source";
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public EventLoop eventLoop() {
            return loop;
        }

        @Override
        public boolean producing(Set<String> topics, TopicIds ids) {
            return false;
        }

        @Override
        public boolean sendingTransactional(java.util.function.Predicate<String> transactionalIds) {
            return false;
        }

        @Override
        public void drain(Runnable onClosed) {
            assertTrue(loop.inEventLoop(), "drained on the connection's own event loop");
            drains++;
            drainedAfterNanos = System.nanoTime() - origin;
            closed = true;
            onClosed.run();
            connections.remove(this);
        }
    }

    @Test
    void theClosesAreSpreadEvenlyOverThePeriod() {
        long origin = System.nanoTime();
        List<Fake> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Fake c = new Fake(origin);
            open.add(c);
            connections.add(c);
        }
        ConnectionDrain drain = new ConnectionDrain(connections);
        assertFalse(connections.draining());
        Duration period = Duration.ofMillis(400);
        CompletableFuture<Void> allClosed = drain.start(period);
        assertTrue(connections.draining(), "new connections are refused from the start");

        Await.until("every connection drained", Duration.ofSeconds(10), allClosed::isDone);
        assertEquals(4, drain.closed());
        assertEquals(0, drain.open());
        List<Long> times = open.stream().map(c -> c.drainedAfterNanos).sorted().toList();
        for (int k = 0; k < times.size(); k++) {
            assertTrue(times.get(k) >= k * period.toNanos() / 4, "the " + k + "th close waits its turn: " + times);
        }
        assertTrue(open.stream().allMatch(c -> c.drains == 1), "each connection is drained once");
    }

    @Test
    void aConnectionThatStartsDuringTheDrainIsDrainedAtOnce() {
        long origin = System.nanoTime();
        Fake first = new Fake(origin);
        connections.add(first);
        ConnectionDrain drain = new ConnectionDrain(connections);
        drain.start(Duration.ofMinutes(1));

        Fake late = new Fake(origin);
        connections.add(late);
        // Within seconds of a one-minute period: it is not given a turn in it.
        Await.until("the late connection drained", Duration.ofSeconds(10), () -> late.drains == 1);
    }

    @Test
    void withNoConnectionTheDrainIsOverAtOnce() {
        assertTrue(new ConnectionDrain(connections).start(Duration.ofMinutes(1)).isDone());
    }
}
