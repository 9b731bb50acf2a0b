package io.cutover.proxy.server.cli;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.cutover.proxy.server.ProxyServer;
import io.cutover.proxy.server.config.ConfigError;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import io.cutover.proxy.server.embedded.EmbeddedDemo;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.embedded.SampleTraffic;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code bin/cutover-proxy}: runs the proxy. With {@code --config FILE} it fronts the clusters that
 * file names; with no config it runs {@link EmbeddedDemo}: two real single-node KRaft clusters
 * in-process, MirrorMaker 2 between them, the proxy in front, and sample clients going through it.
 */
public final class Main {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy [--config FILE]",
        "       cutover-proxy replay FILE --bootstrap HOST:PORT [--speed N|max] [--topic-map A=B] [--json]  (replay --help)",
        "       cutover-proxy ctl COMMAND ...   a running proxy's admin API: routes, waves, clients, captures  (ctl --help)",
        "       cutover-proxy users add NAME --file FILE   a user clients log in to the proxy as (listener.sasl)  (users --help)",
        "       cutover-proxy fleet import --config FILE   moves a single instance's state files into a fleet's state topic, once",
        "",
        "  --config FILE   run in front of the clusters FILE names (HOCON; see config/cutover-proxy.example.conf)",
        "  (no options)    run on an embedded default: two real single-node Kafka clusters (source, target) started in-process,",
        "                  MirrorMaker 2 copying topic orders from source to target, and a sample producer and consumer",
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
        return run(args, out, err, System.in);
    }

    /** {@code in}: what {@code users add} reads a password from when no environment variable is named. */
    public static int run(String[] args, PrintStream out, PrintStream err, java.io.InputStream in) {
        if (args.length > 0 && args[0].equals("replay")) {
            return ReplayCommand.run(args, 1, out, err);
        }
        if (args.length > 0 && args[0].equals("ctl")) {
            return CtlCommand.run(args, 1, out, err);
        }
        if (args.length > 0 && args[0].equals("fleet")) {
            return FleetImportCommand.run(args, 1, out, err);
        }
        if (args.length > 0 && args[0].equals("users")) {
            return UsersCommand.run(args, 1, in, out, err, System.getenv());
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
                ProxyServer proxy = ProxyServer.start(ProxyConfigLoader.load(configFile));
                return runWithConfig(proxy, proxy, null, out);
            }
            return runEmbedded(out);
        } catch (ConfigError | io.cutover.proxy.core.state.CorruptStateException | io.cutover.proxy.core.state.InsecureStateFileException e) {
            err.println("cutover-proxy: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("cutover-proxy: cannot start: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static int runEmbedded(PrintStream out) throws Exception {
        out.println("Starting two embedded single-node Kafka clusters (KRaft), source and target, MirrorMaker 2 between them,"
            + " and sample clients...");
        EmbeddedDemo demo = EmbeddedDemo.start(ConfigFactory.empty()
            // Each run's embedded clusters are new; so are the state they would be paired with.
            .withValue("cutover-proxy.state-dir", ConfigValueFactory.fromAnyRef("state/embedded")));
        return runWithConfig(demo.proxy(), demo, demoLines(demo), out);
    }

    /** What the embedded default runs besides the proxy, for the banner. */
    private static List<String> demoLines(EmbeddedDemo demo) {
        ProxyServer proxy = demo.proxy();
        EmbeddedMirrorMaker mm = demo.mirrorMaker();
        return List.of(
            "  Sample topic      : " + SampleTraffic.TOPIC + " (" + EmbeddedDemo.TOPIC_PARTITIONS + " partitions, created on "
                + EmbeddedDemo.SOURCE + ")",
            "  MirrorMaker 2     : " + mm.sourceAlias() + " -> " + mm.targetAlias() + ", topics " + EmbeddedDemo.MIRRORED_TOPICS
                + ", groups " + EmbeddedDemo.CHECKPOINTED_GROUPS + " (offset syncs: " + mm.offsetSyncsTopic().name() + " on "
                + mm.offsetSyncsTopic().clusterAlias() + ")",
            "  Sample clients    : producer " + SampleTraffic.PRODUCER_CLIENT_ID + " (~" + SampleTraffic.RECORDS_PER_SECOND
                + " records/s) and consumer " + SampleTraffic.CONSUMER_CLIENT_ID + " in group " + SampleTraffic.CONSUMER_GROUP
                + ", both through the proxy",
            "Try: curl -s -H \"Authorization: Bearer $(cat " + proxy.config().stateDir().resolve("admin-token") + ")\" "
                + proxy.adminUri() + "/waves");
    }

    /**
     * Prints the banner and serves until the JVM is asked to stop.
     *
     * @param running  closed by the shutdown hook; closes {@code proxy} too
     * @param embedded banner lines about the embedded default, or null when fronting configured clusters
     */
    private static int runWithConfig(ProxyServer proxy, AutoCloseable running, List<String> embedded, PrintStream out)
            throws InterruptedException {
        ProxyConfig config = proxy.config();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                running.close();
            } catch (Exception ignored) {
                // the JVM is exiting; close() carried on past the failure, so the rest is stopped
            }
            stopped.countDown();
        }, "cutover-proxy-shutdown"));
        // A drain (POST /drain or SIGTERM) ends the process once the clients are gone: exit 0, and
        // the shutdown hook above stops the rest.
        proxy.onDrained(() -> System.exit(0));
        DrainOnSigterm.install(proxy);
        out.println();
        out.println("Cutover Proxy is running.");
        out.println("  Bootstrap servers : " + proxy.bootstrapServers() + "   <- point Kafka clients here");
        out.println("  Admin             : " + proxy.adminUri() + "/   (/metrics, /health, /health/ready)");
        for (var c : config.clusters().values()) {
            out.println("  Upstream " + String.format("%-9s", c.name()) + ": " + c.bootstrapServersString()
                + (embedded != null ? " (embedded broker)" : ""));
        }
        out.println("  Admin token       : " + (config.admin().tokens().isEmpty()
            ? config.stateDir().resolve("admin-token") + " (made for this host; send it as Authorization: Bearer <token>)"
            : "configured in admin.tokens"));
        out.println("  State directory   : " + config.stateDir().toAbsolutePath());
        if (embedded != null) {
            embedded.forEach(out::println);
        }
        out.println("Press Ctrl+C to stop (SIGTERM or POST /drain drains first: fleet.drain-period).");
        out.flush();
        stopped.await();
        return 0;
    }
}
