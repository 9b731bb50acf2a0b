package io.cutover.proxy.server.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A broker's host name is looked up off the event loop that connects: a slow DNS server must not
 * hold the loop, and so every other client on it, while it thinks.
 */
class HostLookupsTest {
    private static final long WAIT_SECONDS = 10;
    private final EventLoopGroup group = Transport.best().newGroup(1);
    private final EventLoop loop = group.next();
    /** Released by each test once it has seen what it waits for; lookups that block wait on it. */
    private final CountDownLatch dnsAnswers = new CountDownLatch(1);

    @AfterEach
    void stop() {
        dnsAnswers.countDown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** A lookup that takes until the test lets it answer, as a DNS server that is slow to. */
    private InetAddress[] slowDns(String host) throws UnknownHostException {
        try {
            if (!dnsAnswers.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new UnknownHostException("the test never let the lookup of " + host + " answer");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnknownHostException("interrupted");
        }
        return new InetAddress[] {InetAddress.getLoopbackAddress()};
    }

    private static Future<InetSocketAddress> resolveOn(EventLoop loop, AddressResolver<InetSocketAddress> resolver, String host)
        throws Exception {
        return loop.submit(() -> resolver.resolve(InetSocketAddress.createUnresolved(host, 9092))).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /** Whether the loop runs a task within the wait: it does unless something holds it. */
    private boolean loopRuns() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        loop.execute(ran::countDown);
        return ran.await(2, TimeUnit.SECONDS);
    }

    @Test
    void aSlowLookupLeavesTheEventLoopFreeAndAnswersOnIt() throws Exception {
        try (HostLookups lookups = new HostLookups(this::slowDns, 2, 8)) {
            AddressResolver<InetSocketAddress> resolver = lookups.getResolver(loop);
            Future<InetSocketAddress> answer = resolveOn(loop, resolver, "broker-1.slow.example");
            AtomicReference<Thread> notifiedOn = new AtomicReference<>();
            CountDownLatch notified = new CountDownLatch(1);
            answer.addListener(f -> {
                notifiedOn.set(Thread.currentThread());
                notified.countDown();
            });

            assertTrue(loopRuns(), "the event loop ran other work while the lookup waited for its DNS server");
            assertFalse(answer.isDone(), "no answer before the DNS server gave one");
            assertEquals(1, lookups.pending(), "the lookup counts as pending");

            dnsAnswers.countDown();
            assertTrue(notified.await(WAIT_SECONDS, TimeUnit.SECONDS), "the answer came");
            assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9092), answer.getNow());
            assertTrue(loop.inEventLoop(notifiedOn.get()), "the answer was handed to the event loop that asked");
        }
    }

    /** What this replaces: Netty's default resolver looks a name up on the thread that connects. */
    @Test
    void nettysDefaultResolverLooksUpOnTheEventLoopItself() throws Exception {
        AddressResolver<InetSocketAddress> resolver = DefaultAddressResolverGroup.INSTANCE.getResolver(loop);
        Future<Boolean> doneAtOnce = loop.submit(
            () -> resolver.resolve(InetSocketAddress.createUnresolved("localhost", 9092)).isDone());
        assertTrue(doneAtOnce.get(WAIT_SECONDS, TimeUnit.SECONDS),
            "the default resolver had answered before it returned, so it looked up on the event loop");
        try (HostLookups lookups = new HostLookups(this::slowDns, 1, 1)) {
            AddressResolver<InetSocketAddress> offLoop = lookups.getResolver(loop);
            Future<Boolean> ours = loop.submit(() -> offLoop.resolve(InetSocketAddress.createUnresolved("localhost", 9092)).isDone());
            assertFalse(ours.get(WAIT_SECONDS, TimeUnit.SECONDS), "HostLookups returns before the lookup is done");
        }
    }

    @Test
    void lookupsBeyondTheLineFailAtOnceSayingWhy() throws Exception {
        try (HostLookups lookups = new HostLookups(this::slowDns, 1, 1)) {
            AddressResolver<InetSocketAddress> resolver = lookups.getResolver(loop);
            Future<InetSocketAddress> running = resolveOn(loop, resolver, "a.slow.example");
            Future<InetSocketAddress> waiting = resolveOn(loop, resolver, "b.slow.example");
            Future<InetSocketAddress> refused = resolveOn(loop, resolver, "c.slow.example");

            assertTrue(refused.await(WAIT_SECONDS, TimeUnit.SECONDS), "a lookup with no room in the line fails at once");
            UnknownHostException why = assertInstanceOf(UnknownHostException.class, refused.cause());
            assertTrue(why.getMessage().contains("c.slow.example") && why.getMessage().contains("already waiting"), why.getMessage());
            assertFalse(running.isDone() || waiting.isDone(), "the lookups in line still wait for the DNS server");

            dnsAnswers.countDown();
            assertTrue(running.await(WAIT_SECONDS, TimeUnit.SECONDS) && running.isSuccess(), "the first lookup answered");
            assertTrue(waiting.await(WAIT_SECONDS, TimeUnit.SECONDS) && waiting.isSuccess(), "the one that waited its turn answered");
        }
    }

    @Test
    void aNameThatDoesNotResolveFailsTheLookupWithItsCause() throws Exception {
        try (HostLookups lookups = new HostLookups(host -> {
            throw new UnknownHostException(host + ": Name or service not known");
        }, 1, 1)) {
            Future<InetSocketAddress> answer = resolveOn(loop, lookups.getResolver(loop), "gone.example");
            assertTrue(answer.await(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals("gone.example: Name or service not known", answer.cause().getMessage());
        }
    }

    /** The connector the proxy uses reaches a broker by host name, looked up off the loop. */
    @Test
    void theConnectorReachesABrokerByName() throws Exception {
        Transport transport = Transport.best();
        Channel server = bindBroker(new ServerBootstrap().group(group).channel(transport.serverChannel())
            .childHandler(new ChannelInboundHandlerAdapter()));
        try {
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            ChannelFuture connect = transport.connector(group, 5_000).handler(new ChannelInboundHandlerAdapter())
                .connect(InetSocketAddress.createUnresolved("localhost", port));
            assertTrue(connect.await(WAIT_SECONDS, TimeUnit.SECONDS) && connect.isSuccess(), "connected: " + connect.cause());
            assertTrue(((InetSocketAddress) connect.channel().remoteAddress()).getAddress().isLoopbackAddress());
            connect.channel().close().sync();
        } finally {
            server.close().sync();
        }
    }

    /** A fixed port below the ephemeral range, one of a few per test JVM so parallel builds do not meet. */
    private static Channel bindBroker(ServerBootstrap bootstrap) throws InterruptedException {
        int first = 28_000 + (int) (ProcessHandle.current().pid() % 100) * 4;
        Throwable last = null;
        for (int port = first; port < first + 4; port++) {
            ChannelFuture bound = bootstrap.bind(InetAddress.getLoopbackAddress(), port).await();
            if (bound.isSuccess()) {
                return bound.channel();
            }
            last = bound.cause();
        }
        throw new AssertionError("no port free in " + first + ".." + (first + 3), last);
    }
}
