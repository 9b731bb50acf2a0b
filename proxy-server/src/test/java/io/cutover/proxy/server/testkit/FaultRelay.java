package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 that stands between a client (the proxy) and a server (a broker) and
 * injects network faults on command, for tests of what the proxy does when the network misbehaves:
 *
 * <ul>
 *   <li>{@link #blackhole()}: no byte moves in either direction, and neither socket is closed, as
 *       when a host vanishes or a firewall drops packets without a reset. Bytes already read are
 *       held, as TCP would retransmit them, and flow again after {@link #restore()}. New connections
 *       are still accepted (the kernel completes the handshake) but carry nothing.</li>
 *   <li>{@link #reset()}: every open connection is aborted with a TCP reset, on both sides.</li>
 *   <li>{@link #latency(Duration)}: each chunk is held this long before it is passed on.</li>
 *   <li>{@link #bandwidth(long)}: each connection passes at most this many bytes a second in each
 *       direction, as over a slow or congested link.</li>
 *   <li>{@link #latencyOnNewConnections(Duration)}: the same, only on connections accepted from
 *       now on, so one new client's requests arrive late while the connections already open (an
 *       admin client's, a replicator's) are not slowed: requests reach the broker out of order.</li>
 * </ul>
 *
 * <p>A broker advertises its own address in Metadata, so to put a broker behind a relay for good,
 * start the relay first and give the broker {@code advertised.listeners} at {@link #port()}; then
 * {@link #forwardTo(String)} the broker's real port once it is bound.
 */
public final class FaultRelay implements AutoCloseable {
    private static final int CHUNK = 64 * 1024;

    private final ServerSocket server;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile InetSocketAddress upstream;
    private volatile boolean blackholed;
    private volatile long latencyNanos;
    private volatile long newConnectionLatencyNanos;
    /** Bytes a second per connection and direction; 0: no cap. */
    private volatile long bytesPerSecond;
    private volatile boolean closed;
    private final AtomicLong bytesForwarded = new AtomicLong();

    private FaultRelay(ServerSocket server) {
        this.server = server;
        Thread acceptor = new Thread(this::acceptLoop, "fault-relay-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay on a free port of 127.0.0.1, forwarding nowhere yet (connections are closed until {@link #forwardTo}). */
    public static FaultRelay start() {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new FaultRelay(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a fault relay on 127.0.0.1", e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** host:port clients connect to. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Where new connections go, as host:port. */
    public FaultRelay forwardTo(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        upstream = InetSocketAddress.createUnresolved(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
        return this;
    }

    /** Stops every byte in both directions, keeping every socket open. */
    public void blackhole() {
        blackholed = true;
    }

    /** Lets bytes flow again, held ones first. */
    public void restore() {
        synchronized (gate) {
            blackholed = false;
            gate.notifyAll();
        }
    }

    public void latency(Duration delay) {
        latencyNanos = delay.toNanos();
    }

    /** Caps each connection's rate in each direction at {@code bytesPerSecond}; 0 lifts the cap. */
    public void bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    public void latencyOnNewConnections(Duration delay) {
        newConnectionLatencyNanos = delay.toNanos();
    }

    /** Aborts every open connection with a reset on both sides; new connections are relayed as before. */
    public void reset() {
        for (Pair p : pairs) {
            p.abort();
        }
    }

    /** Connections currently relayed. */
    public int connections() {
        return pairs.size();
    }

    /** Bytes passed on so far, both directions together. */
    public long bytesForwarded() {
        return bytesForwarded.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            InetSocketAddress to = upstream;
            if (to == null) {
                closeQuietly(client);
                continue;
            }
            try {
                Socket broker = new Socket();
                broker.connect(new InetSocketAddress(to.getHostString(), to.getPort()), 10_000);
                client.setTcpNoDelay(true);
                broker.setTcpNoDelay(true);
                Pair p = new Pair(client, broker);
                pairs.add(p);
                p.start();
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    /** One relayed connection: the client's socket, the server's, and a pump each way. */
    private final class Pair {
        private final Socket client;
        private final Socket broker;
        private final long ownLatencyNanos = newConnectionLatencyNanos;

        Pair(Socket client, Socket broker) {
            this.client = client;
            this.broker = broker;
        }

        void start() throws IOException {
            pump(client.getInputStream(), broker.getOutputStream(), "up");
            pump(broker.getInputStream(), client.getOutputStream(), "down");
        }

        private void pump(InputStream in, OutputStream out, String direction) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[CHUNK];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        holdWhileBlackholed();
                        long delay = Math.max(latencyNanos, ownLatencyNanos);
                        if (delay > 0) {
                            Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000)); // the injected fault itself
                        }
                        out.write(buf, 0, n);
                        out.flush();
                        bytesForwarded.addAndGet(n);
                        long rate = bytesPerSecond;
                        if (rate > 0) {
                            long pace = n * 1_000_000_000L / rate;
                            Thread.sleep(pace / 1_000_000, (int) (pace % 1_000_000)); // the injected fault: n bytes take n / rate seconds
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    // a side closed or was reset: end the pair below
                }
                close();
            }, "fault-relay-" + direction + "-" + client.getPort());
            t.setDaemon(true);
            t.start();
        }

        void abort() {
            try {
                client.setSoLinger(true, 0);
                broker.setSoLinger(true, 0);
            } catch (SocketException ignored) {
                // already closed
            }
            close();
        }

        void close() {
            pairs.remove(this);
            closeQuietly(client);
            closeQuietly(broker);
        }
    }

    private void holdWhileBlackholed() throws InterruptedException {
        synchronized (gate) {
            while (blackholed && !closed) {
                gate.wait();
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing to do
        }
        synchronized (gate) {
            gate.notifyAll();
        }
        for (Pair p : pairs) {
            p.close();
        }
    }
}
