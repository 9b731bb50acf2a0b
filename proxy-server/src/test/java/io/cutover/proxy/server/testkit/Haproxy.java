package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * haproxy in TCP mode in front of several proxy instances, as a fleet runs behind a balancer: it
 * listens on the ports clients see (a bootstrap port and the broker ports after it) and sends each
 * connection to a ready instance, at the same port plus that instance's offset; an instance is ready
 * while its {@code /health/ready} answers 200 (checked every 300 ms).
 */
public final class Haproxy implements AutoCloseable {
    /** One instance behind the balancer: its ports are the balancer's plus {@code portOffset}. */
    public record Backend(String name, int portOffset, int adminPort) {
    }

    private final Process process;
    private final Path config;
    private final int firstPort;

    private Haproxy(Process process, Path config, int firstPort) {
        this.process = process;
        this.config = config;
        this.firstPort = firstPort;
    }

    /** Listens on {@code firstPort} to {@code lastPort} (inclusive). */
    public static Haproxy start(int firstPort, int lastPort, List<Backend> backends) {
        StringBuilder cfg = new StringBuilder("""
            global
                maxconn 4096
            defaults
                mode tcp
                timeout connect 2s
                timeout client 120s
                timeout server 120s
                option redispatch
                retries 3
            frontend kafka
                bind 127.0.0.1:%d-%d
                default_backend proxies
            backend proxies
                balance roundrobin
                option httpchk GET /health/ready
            """.formatted(firstPort, lastPort));
        for (Backend b : backends) {
            cfg.append("    server ").append(b.name()).append(" 127.0.0.1:").append(b.portOffset() >= 0 ? "+" : "").append(b.portOffset())
                .append(" check port ").append(b.adminPort()).append(" inter 300ms fall 1 rise 1\n");
        }
        try {
            Path file = Files.createTempFile("cutover-haproxy", ".cfg");
            Files.writeString(file, cfg);
            Process p = new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(Files.createTempFile("cutover-haproxy", ".log").toFile()).start();
            Haproxy h = new Haproxy(p, file, firstPort);
            Await.until("haproxy listening on " + firstPort, Duration.ofSeconds(20), () -> {
                if (!p.isAlive()) {
                    throw new AssertionError("haproxy exited with " + p.exitValue() + "; config:\n" + cfg);
                }
                return h.listening();
            });
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", firstPort), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + firstPort;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            Files.deleteIfExists(config);
        } catch (IOException e) {
            // a temp file
        }
    }
}
