package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy as a child process ({@code bin/cutover-proxy --config FILE}, run from the test's own
 * classpath), so a test can kill it with SIGKILL: no shutdown hook runs, nothing is flushed, exactly
 * what a crash or {@code kill -9} leaves behind. A restart starts a new process on the same config,
 * ports and state directory.
 */
public final class ProxyProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path stateDir;
    private final Path configFile;
    private final int bootstrapPort;
    private final int adminPort;
    private ChildJvm child;

    private final Map<String, String> baseProperties;

    private ProxyProcess(Path stateDir, Path configFile, int bootstrapPort, int adminPort, Map<String, String> baseProperties) {
        this.baseProperties = Map.copyOf(baseProperties);
        this.stateDir = stateDir;
        this.configFile = configFile;
        this.bootstrapPort = bootstrapPort;
        this.adminPort = adminPort;
    }

    /**
     * A proxy in front of {@code source} and {@code target} (target may be null), started and
     * answering /health.
     *
     * @param overrides keys relative to cutover-proxy, e.g. "waves.mapping"; values are written as HOCON
     *                  (strings are quoted, lists of strings become HOCON lists)
     */
    public static ProxyProcess start(String sourceBootstrap, String targetBootstrap, Map<String, Object> overrides) {
        return start(sourceBootstrap, targetBootstrap, overrides, Map.of());
    }

    /** As {@link #start(String, String, Map)}, with {@code -D} system properties for every launch of the process. */
    public static ProxyProcess start(String sourceBootstrap, String targetBootstrap, Map<String, Object> overrides,
                                     Map<String, String> systemProperties) {
        return start(sourceBootstrap, targetBootstrap, first -> overrides, systemProperties);
    }

    /**
     * As {@link #start(String, String, Map, Map)}, with overrides that depend on the first port of the
     * range this process gets (its bootstrap port; brokers follow, admin is first + 38): for
     * instances behind a balancer, which bind their own range and advertise the balancer's.
     */
    public static ProxyProcess start(String sourceBootstrap, String targetBootstrap,
                                     java.util.function.IntFunction<Map<String, Object>> overridesForFirstPort,
                                     Map<String, String> systemProperties) {
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("cutover-proxy-process");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int first = RunningProxy.nextPortRange();
        Map<String, Object> keys = new LinkedHashMap<>();
        keys.put("clusters.source.bootstrap-servers", List.of(sourceBootstrap.split(",")));
        if (targetBootstrap != null) {
            keys.put("clusters.target.bootstrap-servers", List.of(targetBootstrap.split(",")));
        }
        keys.put("listener.bootstrap-port", first);
        keys.put("listener.broker-ports.first", first + 1);
        keys.put("listener.broker-ports.last", first + 37);
        keys.put("admin.port", first + 38);
        keys.put("state-dir", stateDir.toString());
        keys.putAll(overridesForFirstPort.apply(first));
        Path config = stateDir.resolveSibling(stateDir.getFileName() + ".conf");
        // An override may put the state elsewhere (on a disk the test fills, say); the process's files follow it.
        stateDir = Path.of(String.valueOf(keys.get("state-dir")));
        StringBuilder conf = new StringBuilder("cutover-proxy {\n");
        keys.forEach((k, v) -> conf.append("  ").append(k).append(" = ").append(hocon(v)).append('\n'));
        conf.append("}\n");
        try {
            Files.writeString(config, conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ProxyProcess p = new ProxyProcess(stateDir, config, first, first + 38, systemProperties);
        p.launch(Map.of());
        return p;
    }

    /** Starts the process again on the same config and state directory (after {@link #kill()} or a crash). */
    public ProxyProcess restart() {
        return restart(Map.of());
    }

    /** As {@link #restart()}, with extra {@code -D} system properties for the new process (failpoints, say). */
    public ProxyProcess restart(Map<String, String> systemProperties) {
        if (alive()) {
            throw new IllegalStateException("the proxy process is still running; kill it first");
        }
        launch(systemProperties);
        return this;
    }

    private void launch(Map<String, String> systemProperties) {
        Map<String, String> all = new LinkedHashMap<>(baseProperties);
        all.putAll(systemProperties);
        child = ChildJvm.start("io.cutover.proxy.server.cli.Main", List.of("--config", configFile.toString()), all, "256m");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!answersHealth()) {
            if (!child.alive()) {
                throw new AssertionError("the proxy process exited with " + child.awaitExit(Duration.ZERO) + " at start:\n" + tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy process did not answer /health within " + START_TIMEOUT + ":\n" + tail(40));
            }
            ChildJvm.pause();
        }
    }

    private boolean answersHealth() {
        try {
            HTTP.send(HttpRequest.newBuilder(admin("/health")).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** SIGKILL: the process gets no chance to run shutdown hooks or flush anything. */
    public void kill() {
        if (child != null) {
            child.kill();
        }
    }

    /** SIGTERM: the proxy drains, then exits by itself; see {@link #awaitExit}. */
    public void terminate() {
        if (child != null) {
            child.terminate();
        }
    }

    /** Waits for the process to exit by itself (a failpoint halting it, say); returns its exit code. */
    public int awaitExit(Duration timeout) {
        return child.awaitExit(timeout);
    }

    public boolean alive() {
        return child != null && child.alive();
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + bootstrapPort;
    }

    public Path stateDir() {
        return stateDir;
    }

    public URI admin(String path) {
        return URI.create("http://127.0.0.1:" + adminPort + path);
    }

    /** The last {@code lines} lines the process printed, for failure messages. */
    public String tail(int lines) {
        return child == null ? "" : child.tail(lines);
    }

    /** An admin request with the token the proxy wrote to its state directory. */
    public HttpResponse<String> send(String method, String path, String jsonBody) {
        return send(method, path, jsonBody, Map.of());
    }

    /** The same with more headers ({@code If-Match}, ...). */
    public HttpResponse<String> send(String method, String path, String jsonBody, Map<String, String> headers) {
        String token;
        try {
            token = Files.readString(stateDir.resolve("admin-token")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(jsonBody));
        if (jsonBody != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String hocon(Object v) {
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(i -> items.add(hocon(i)));
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(v);
    }

    @Override
    public void close() {
        kill();
    }
}
