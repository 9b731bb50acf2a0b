package io.cutover.proxy.server.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.cutover.proxy.server.ProxyServer;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A proxy in front of a test cluster, on free ports, with its own state directory. */
public final class RunningProxy implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ProxyServer server;
    private final Path stateDir;

    private RunningProxy(ProxyServer server, Path stateDir) {
        this.server = server;
        this.stateDir = stateDir;
    }

    /**
     * The first of 40 consecutive free-to-use ports for one proxy (bootstrap, brokers, admin), which
     * no other test JVM on this machine hands out ({@link PortRanges}).
     */
    public static int nextPortRange() {
        return PortRanges.next();
    }

    public static RunningProxy in(EmbeddedKafkaCluster cluster) {
        return in(cluster.bootstrapServers(), Map.of());
    }

    public static RunningProxy in(EmbeddedKafkaCluster cluster, Map<String, Object> overrides) {
        return in(cluster.bootstrapServers(), overrides);
    }

    /** @param overrides keys relative to cutover-proxy, e.g. "limits.max-connections" */
    public static RunningProxy in(String bootstrapServers, Map<String, Object> overrides) {
        Path stateDir;
        try {
            stateDir = Files.createTempDirectory("cutover-proxy-state");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return start(bootstrapServers, overrides, stateDir);
    }

    /** A proxy in front of a source and a target cluster. */
    public static RunningProxy routing(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, Map<String, Object> overrides) {
        return routing(source.bootstrapServers(), target.bootstrapServers(), overrides);
    }

    public static RunningProxy routing(String sourceBootstrap, String targetBootstrap, Map<String, Object> overrides) {
        Map<String, Object> all = new java.util.HashMap<>(overrides);
        all.put("clusters.target.bootstrap-servers", List.of(targetBootstrap.split(",")));
        return in(sourceBootstrap, all);
    }

    /** Starts a proxy on an existing state directory, as after a restart. */
    public static RunningProxy start(String bootstrapServers, Map<String, Object> overrides, Path stateDir) {
        int first = nextPortRange();
        Config c = ConfigFactory.empty()
            .withValue("cutover-proxy.clusters.source.bootstrap-servers",
                ConfigValueFactory.fromIterable(List.of(bootstrapServers.split(","))))
            .withValue("cutover-proxy.listener.bootstrap-port", ConfigValueFactory.fromAnyRef(0))
            .withValue("cutover-proxy.listener.broker-ports.first", ConfigValueFactory.fromAnyRef(first))
            .withValue("cutover-proxy.listener.broker-ports.last", ConfigValueFactory.fromAnyRef(first + 39))
            .withValue("cutover-proxy.admin.port", ConfigValueFactory.fromAnyRef(0))
            .withValue("cutover-proxy.state-dir", ConfigValueFactory.fromAnyRef(stateDir.toString()));
        for (Map.Entry<String, Object> e : overrides.entrySet()) {
            c = c.withValue("cutover-proxy." + e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        }
        return new RunningProxy(ProxyServer.start(ProxyConfigLoader.fromUserConfig(c)), stateDir);
    }

    public String bootstrapServers() {
        return server.bootstrapServers();
    }

    public ProxyServer server() {
        return server;
    }

    public Path stateDir() {
        return stateDir;
    }

    public URI admin(String path) {
        return URI.create(server.adminUri() + path);
    }

    private String token() {
        return server.adminTokens().values().iterator().next();
    }

    /** An admin request with the proxy's bearer token. */
    public HttpResponse<String> send(String method, String path, String jsonBody, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin(path)).header("Authorization", "Bearer " + token())
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

    /** An admin request without any token, to see it refused. */
    public HttpResponse<String> sendWithoutToken(String method, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(admin(path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Flips one topic (exact name) to {@code cluster} through the admin API; fails the test on an error. */
    public void flipTopic(String topic, String cluster) {
        flip("topic", topic, cluster);
    }

    /**
     * Flips with {@code force}: tests of the flip mechanics move topics that their own consumers
     * read, which an operator would do with a wave (FlipReadersTest shows the refusal).
     */
    public void flip(String resource, String pattern, String cluster) {
        HttpResponse<String> r = send("POST", "/routes/flip",
            "{\"resource\":\"" + resource + "\",\"match\":\"exact\",\"pattern\":\"" + pattern + "\",\"cluster\":\"" + cluster
                + "\",\"force\":true}",
            Map.of());
        if (r.statusCode() != 200) {
            throw new AssertionError("flip of " + resource + " " + pattern + " to " + cluster + " failed: " + r.statusCode() + " " + r.body());
        }
    }

    public HttpResponse<String> get(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(admin(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The sum of a Prometheus sample over all series whose labels contain every given label pair. */
    public double metric(String name, String... labelPairs) {
        String text = get("/metrics").body();
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
                continue;
            }
            boolean all = Arrays.stream(labelPairs).allMatch(line::contains);
            if (all) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Override
    public void close() {
        server.close();
    }
}
