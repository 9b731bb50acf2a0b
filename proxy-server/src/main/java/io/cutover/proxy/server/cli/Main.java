package io.cutover.proxy.server.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.cutover.proxy.server.ProxyServer;
import io.cutover.proxy.server.config.ConfigError;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/cutover-proxy}: runs the proxy. With {@code --config FILE} it fronts the clusters that
 * file names; with no config it starts a real single-node KRaft broker in-process and fronts that.
 */
public final class Main {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy [--config FILE]",
        "       cutover-proxy replay FILE --bootstrap HOST:PORT [--speed N|max] [--topic-map A=B] [--json]  (replay --help)",
        "",
        "  --config FILE   run in front of the clusters FILE names (HOCON; see config/cutover-proxy.example.conf)",
        "  (no options)    run on an embedded default: two real single-node Kafka clusters (source, target) started in-process",
        "  --help          show this help");

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals("replay")) {
            return ReplayCommand.run(args, 1, out, err);
        }
        Path configFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        err.println("--config needs a file\n\n" + USAGE);
                        return 2;
                    }
                    configFile = Path.of(args[++i]);
                }
                default -> {
                    err.println("unknown argument " + args[i] + "\n\n" + USAGE);
                    return 2;
                }
            }
        }
        try {
            if (configFile != null) {
                return runWithConfig(ProxyConfigLoader.load(configFile), null, out);
            }
            return runEmbedded(out);
        } catch (ConfigError | io.cutover.proxy.core.state.CorruptStateException e) {
            err.println("cutover-proxy: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("cutover-proxy: cannot start: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static int runEmbedded(PrintStream out) throws Exception {
        out.println("Starting two embedded single-node Kafka clusters (KRaft), source and target...");
        EmbeddedKafkaCluster source = EmbeddedKafkaCluster.start("source", 1, Map.of());
        EmbeddedKafkaCluster target;
        try {
            target = EmbeddedKafkaCluster.start("target", 1, Map.of());
        } catch (Exception e) {
            source.close();
            throw e;
        }
        ProxyConfig config = ProxyConfigLoader.fromUserConfig(ConfigFactory.empty()
            .withValue("cutover-proxy.clusters.source.bootstrap-servers",
                ConfigValueFactory.fromIterable(List.of(source.bootstrapServers().split(","))))
            .withValue("cutover-proxy.clusters.target.bootstrap-servers",
                ConfigValueFactory.fromIterable(List.of(target.bootstrapServers().split(","))))
            // Each run's embedded clusters are new; so are the state they would be paired with.
            .withValue("cutover-proxy.state-dir", ConfigValueFactory.fromAnyRef("state/embedded")));
        return runWithConfig(config, () -> {
            target.close();
            source.close();
        }, out);
    }

    private static int runWithConfig(ProxyConfig config, AutoCloseable embedded, PrintStream out) throws InterruptedException {
        ProxyServer proxy = ProxyServer.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            if (embedded != null) {
                try {
                    embedded.close();
                } catch (Exception ignored) {
                    // the JVM is exiting; the broker's temp data goes with it
                }
            }
            stopped.countDown();
        }, "cutover-proxy-shutdown"));
        out.println();
        out.println("Cutover Proxy is running.");
        out.println("  Bootstrap servers : " + proxy.bootstrapServers() + "   <- point Kafka clients here");
        out.println("  Admin             : " + proxy.adminUri() + "/   (/metrics, /health)");
        for (var c : config.clusters().values()) {
            out.println("  Upstream " + String.format("%-9s", c.name()) + ": " + c.bootstrapServersString()
                + (embedded != null ? " (embedded broker)" : ""));
        }
        out.println("  Admin token       : " + (config.admin().tokens().isEmpty()
            ? config.stateDir().resolve("admin-token") + " (made for this host; send it as Authorization: Bearer <token>)"
            : "configured in admin.tokens"));
        out.println("  State directory   : " + config.stateDir().toAbsolutePath());
        out.println("Press Ctrl+C to stop.");
        out.flush();
        stopped.await();
        return 0;
    }
}
