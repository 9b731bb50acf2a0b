package io.cutover.proxy.server.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The relay's faults, against an echo server: what passes, what is held, what is reset. */
class FaultRelayTest {
    private ServerSocket echo;
    private FaultRelay relay;

    @BeforeEach
    void start() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread each = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            int b;
                            while ((b = in.read()) >= 0) {
                                out.write(b);
                                out.flush();
                            }
                        } catch (IOException ignored) {
                            // the relay reset or closed it
                        }
                    }, "echo-connection");
                    each.setDaemon(true);
                    each.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, "echo-accept");
        t.setDaemon(true);
        t.start();
        relay = FaultRelay.start().forwardTo("127.0.0.1:" + echo.getLocalPort());
    }

    @AfterEach
    void stop() throws IOException {
        relay.close();
        echo.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", relay.port()), 5_000);
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void blackholeHoldsBytesWithoutClosingAndRestoreDeliversThem() throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write('a');
            assertEquals('a', s.getInputStream().read(), "relayed while healthy");

            relay.blackhole();
            s.getOutputStream().write('b');
            s.setSoTimeout(500);
            assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), "nothing passes, and nothing closes");
            assertEquals(1, relay.connections(), "both sockets stay open");

            relay.restore();
            s.setSoTimeout(10_000);
            assertEquals('b', s.getInputStream().read(), "the held byte is delivered once restored");
        }
    }

    @Test
    void resetAbortsOpenConnectionsAndNewOnesStillWork() throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write('a');
            assertEquals('a', s.getInputStream().read());
            relay.reset();
            int read;
            try {
                read = s.getInputStream().read();
            } catch (IOException e) {
                read = -1; // connection reset
            }
            assertEquals(-1, read, "the client sees its connection end");
        }
        try (Socket again = connect()) {
            again.getOutputStream().write('c');
            assertEquals('c', again.getInputStream().read());
        }
    }

    @Test
    void latencyDelaysEachChunk() throws IOException {
        relay.latency(Duration.ofMillis(200));
        try (Socket s = connect()) {
            long t = System.nanoTime();
            s.getOutputStream().write('a');
            assertEquals('a', s.getInputStream().read());
            long millis = (System.nanoTime() - t) / 1_000_000;
            assertTrue(millis >= 400, "200 ms each way, round trip took " + millis + " ms");
        }
    }
}
