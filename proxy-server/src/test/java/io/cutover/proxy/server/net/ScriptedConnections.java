package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.channel.EventLoop;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An open client connection for tests outside this package, whose unanswered transactional
 * requests the test sets: it answers what a switch asks of each connection.
 */
public final class ScriptedConnections {
    private ScriptedConnections() {
    }

    /** A connection to {@code cluster}, added to {@code connections}. */
    public static Scripted add(LiveConnections connections, String cluster, EventLoop loop) {
        Scripted c = new Scripted(cluster, loop);
        connections.add(c);
        return c;
    }

    public static final class Scripted implements LiveConnection {
        private final String cluster;
        private final EventLoop loop;
        private final Set<String> unansweredTransactional = ConcurrentHashMap.newKeySet();
        private final AtomicInteger asked = new AtomicInteger();

        private Scripted(String cluster, EventLoop loop) {
            this.cluster = cluster;
            this.loop = loop;
        }

        /** A transactional request of {@code transactionalId} now waits for its broker's answer. */
        public void sent(String transactionalId) {
            unansweredTransactional.add(transactionalId);
        }

        /** Its answer came. Call on {@link #eventLoop()}, as a real connection reads answers there. */
        public void answered(String transactionalId) {
            unansweredTransactional.remove(transactionalId);
        }

        /** How often a switch asked this connection for unanswered transactional requests. */
        public int asked() {
            return asked.get();
        }

        @Override
        public String cluster() {
            return cluster;
        }

        @Override
        public boolean isClosed() {
            return false;
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
        public boolean sendingTransactional(Predicate<String> transactionalIds) {
            asked.incrementAndGet();
            return unansweredTransactional.stream().anyMatch(transactionalIds);
        }

        @Override
        public void drain(Runnable closed) {
            closed.run();
        }
    }
}
