package io.cutover.proxy.server.wire;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.resolver.InetSocketAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Looks up brokers' host names on threads of its own, never on an event loop.
 *
 * <p>Netty's default resolver looks a name up on the thread that connects, and the proxy connects
 * to brokers from its event loops. The JVM keeps an answer for 30 s, so most connects find it
 * cached; but once it expires, a slow or unreachable DNS server (a cluster being torn down, its
 * endpoint deleted) would hold the event loop, and every client it serves whichever cluster they
 * use, for the resolver's whole timeout on each connect. Here a lookup takes a turn on a few threads
 * of its own and its answer goes back to the event loop that asked. The line of lookups waiting is
 * bounded, so a storm of connects while DNS hangs fails at once, saying so, instead of piling up.
 */
public final class HostLookups extends AddressResolverGroup<InetSocketAddress> implements AutoCloseable {
    /** Threads doing lookups at once; lookups of one name share one answer in the JVM anyway. */
    static final int THREADS = 4;
    /** Lookups allowed to wait for a thread. */
    static final int QUEUE = 256;

    /** How a host name becomes addresses; {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    public interface Lookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    private final Lookup lookup;
    private final ThreadPoolExecutor threads;

    public HostLookups() {
        this(InetAddress::getAllByName, THREADS, QUEUE);
    }

    HostLookups(Lookup lookup, int threads, int queue) {
        this.lookup = lookup;
        AtomicInteger n = new AtomicInteger();
        // Threads end after 30 s without work, so a proxy whose names stay cached keeps none.
        this.threads = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
            Thread t = new Thread(r, "cutover-host-lookup-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.threads.allowCoreThreadTimeOut(true);
    }

    @Override
    protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
        return new InetSocketAddressResolver(executor, new OffLoopNames(executor));
    }

    /** Lookups waiting for a thread or running now. */
    public int pending() {
        return threads.getQueue().size() + threads.getActiveCount();
    }

    @Override
    public void close() {
        super.close();
        threads.shutdownNow();
    }

    /** Resolves one event loop's names on the lookup threads; the promise tells the loop. */
    private final class OffLoopNames extends InetNameResolver {
        OffLoopNames(EventExecutor executor) {
            super(executor);
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            submit(host, promise, addresses -> addresses[0]);
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            submit(host, promise, Arrays::asList);
        }

        private <T> void submit(String host, Promise<T> promise, Function<InetAddress[], T> answer) {
            try {
                threads.execute(() -> {
                    try {
                        promise.trySuccess(answer.apply(lookup.addresses(host)));
                    } catch (UnknownHostException | RuntimeException e) {
                        promise.tryFailure(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                UnknownHostException busy = new UnknownHostException("not looked up: " + pending()
                    + " host name lookups are already waiting (is the DNS server slow or unreachable?): " + host);
                promise.tryFailure(busy);
            }
        }
    }
}
