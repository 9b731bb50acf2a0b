package io.cutover.proxy.server.net;

import io.cutover.proxy.core.virtual.TopicIds;
import io.netty.channel.EventLoop;
import java.util.Set;
import java.util.function.Predicate;

/** What a wave's drain, and the proxy's own drain, ask of each open client connection. */
interface LiveConnection {
    String cluster();

    boolean isClosed();

    EventLoop eventLoop();

    /** True while a Produce naming one of {@code topics} waits for its broker's answer. Call on {@link #eventLoop()}. */
    boolean producing(Set<String> topics, TopicIds ids);

    /**
     * True while a transactional request of an id {@code transactionalIds} accepts waits for its
     * broker's answer: that answer may yet open a transaction. Call on {@link #eventLoop()}.
     */
    boolean sendingTransactional(Predicate<String> transactionalIds);

    /**
     * Stops reading from the client and closes the connection once every request already read has
     * been answered to it; {@code closed} runs then, on {@link #eventLoop()}. Call on {@link #eventLoop()}.
     */
    void drain(Runnable closed);
}
