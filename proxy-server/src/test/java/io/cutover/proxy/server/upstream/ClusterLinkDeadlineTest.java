package io.cutover.proxy.server.upstream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.wire.Transport;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Both ways of sending end after limits.upstream-request-timeout with ClusterUnavailableException,
 * never a hang: when the broker takes the connection and never answers (the kernel completes the
 * handshake from the backlog; nothing accepts), and when the handshake itself never completes (the
 * backlog is full, so the kernel drops the SYNs), which only the link's deadline bounds, since the
 * connect timeout is longer.
 */
class ClusterLinkDeadlineTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(400);
    private static final int FIRST_PORT = 27_000 + (int) (ProcessHandle.current().pid() % 100) * 10;

    private ServerSocket silent;
    private EventLoopGroup group;
    private ClusterLink link;

    @BeforeEach
    void start() throws IOException {
        silent = bindSilentBroker();
        Transport transport = Transport.best();
        group = transport.newGroup(1);
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort());
        link = new ClusterLink(new ClusterConfig("target", List.of(address), 0), group, transport, 1 << 20, Duration.ofSeconds(30),
            REQUEST_TIMEOUT);
    }

    /** Connects until the listen queue is full, so that the next handshake never completes. */
    private List<Socket> fillBacklog() throws IOException {
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            Socket s = new Socket();
            held.add(s);
            try {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()), 300);
            } catch (SocketTimeoutException full) {
                return held;
            }
        }
        throw new AssertionError("the listen queue of a silent broker never filled");
    }

    private static ServerSocket bindSilentBroker() throws IOException {
        IOException last = null;
        for (int port = FIRST_PORT; port < FIRST_PORT + 10; port++) {
            ServerSocket s = new ServerSocket();
            try {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
                return s;
            } catch (IOException e) {
                s.close();
                last = e;
            }
        }
        throw last;
    }

    @AfterEach
    void stop() throws Exception {
        link.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        silent.close();
    }

    @Test
    void aRequestToTheClusterEndsAtTheDeadlineAndJudgesItUnreachable() {
        Throwable failure = failureOf(link.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData()));
        assertTimedOut(failure);
        assertTrue(link.knownUnreachable(), "a bootstrap request that timed out judges the cluster");
    }

    @Test
    void aRequestToOneBrokerEndsAtTheDeadlineWithoutJudgingTheCluster() {
        Throwable failure = failureOf(link.sendTo("127.0.0.1", silent.getLocalPort(), ApiKeys.METADATA, (short) 12,
            new MetadataRequestData()));
        assertTimedOut(failure);
        assertFalse(link.knownUnreachable(), "one broker failing says nothing about the cluster");
    }

    @Test
    void aBrokerWhoseHandshakeNeverCompletesIsBoundedByTheDeadlineBothWays() throws IOException {
        List<Socket> held = fillBacklog();
        try {
            assertTimedOut(failureOf(link.sendTo("127.0.0.1", silent.getLocalPort(), ApiKeys.METADATA, (short) 12,
                new MetadataRequestData())));
            assertTimedOut(failureOf(link.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData())));
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static void assertTimedOut(Throwable failure) {
        assertInstanceOf(ClusterUnavailableException.class, failure);
        assertTrue(failure.getMessage().contains("limits.upstream-request-timeout"), failure.getMessage());
    }

    /** Waits well past the request timeout: a hang fails here rather than hanging the build. */
    private static Throwable failureOf(CompletionStage<? extends ApiMessage> request) {
        long start = System.nanoTime();
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> request.toCompletableFuture().get(REQUEST_TIMEOUT.toMillis() * 10, TimeUnit.MILLISECONDS));
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(tookMillis >= REQUEST_TIMEOUT.toMillis() - 50, "failed only at the deadline, not at once: " + tookMillis + " ms");
        return e.getCause();
    }
}
