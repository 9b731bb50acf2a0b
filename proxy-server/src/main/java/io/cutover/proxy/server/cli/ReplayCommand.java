package io.cutover.proxy.server.cli;

import io.cutover.proxy.server.replay.CaptureFrames;
import io.cutover.proxy.server.replay.ReplayOptions;
import io.cutover.proxy.server.replay.ReplayReport;
import io.cutover.proxy.server.replay.Replayer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/** {@code cutover-proxy replay FILE --bootstrap HOST:PORT ...}: replays a capture as a load test. */
final class ReplayCommand {
    static final String USAGE = String.join("\n",
        "usage: cutover-proxy replay FILE --bootstrap HOST:PORT [options]",
        "",
        "  FILE                 a capture: the proxy's pcapng (state-dir/captures), or a pcap/pcapng from tcpdump",
        "  --bootstrap H:P      where to replay: the proxy, or a cluster directly",
        "  --speed N|max        pacing: 1 keeps the captured timing (default), 2 is twice as fast, max sends at once",
        "  --topic-map A=B      replay topic A's requests into topic B (repeatable; e.g. into a scratch topic)",
        "  --port P             a Kafka server port in a tcpdump capture (repeatable; default 9092, which the proxy's own",
        "                       captures use)",
        "  --json               print the report as JSON",
        "  --progress SECONDS   progress line on stderr every SECONDS (default 5; 0 for none)",
        "  --response-timeout S how long to wait for outstanding responses at the end (default 30)",
        "",
        "Exit codes: 0 replayed; 1 the capture was truncated or corrupt (what came before it was replayed, and the",
        "report says where it broke), or the target could not be reached; 2 bad arguments.");

    private ReplayCommand() {
    }

    static int run(String[] args, int from, PrintStream out, PrintStream err) {
        Path file = null;
        String bootstrap = null;
        double speed = 1;
        Map<String, String> topicMap = new LinkedHashMap<>();
        Set<Integer> ports = new LinkedHashSet<>();
        boolean json = false;
        InetSocketAddress target;
        long progressSeconds = 5;
        long responseTimeout = 30;
        try {
            for (int i = from; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    case "--bootstrap" -> bootstrap = value(args, ++i, a);
                    case "--speed" -> {
                        String v = value(args, ++i, a);
                        speed = v.equals("max") ? 0 : Double.parseDouble(v);
                        if (speed < 0 || Double.isNaN(speed) || (speed == 0 && !v.equals("max"))) {
                            throw new IllegalArgumentException("--speed takes a positive number or max, not " + v);
                        }
                    }
                    case "--topic-map" -> {
                        String v = value(args, ++i, a);
                        int eq = v.indexOf('=');
                        if (eq <= 0 || eq == v.length() - 1) {
                            throw new IllegalArgumentException("--topic-map takes FROM=TO, not " + v);
                        }
                        topicMap.put(v.substring(0, eq), v.substring(eq + 1));
                    }
                    case "--port" -> ports.add(port(value(args, ++i, a)));
                    case "--json" -> json = true;
                    case "--progress" -> progressSeconds = Long.parseLong(value(args, ++i, a));
                    case "--response-timeout" -> responseTimeout = Long.parseLong(value(args, ++i, a));
                    default -> {
                        if (a.startsWith("-") || file != null) {
                            throw new IllegalArgumentException("unknown argument " + a);
                        }
                        file = Path.of(a);
                    }
                }
            }
            if (file == null) {
                throw new IllegalArgumentException("which capture? give its file");
            }
            if (bootstrap == null) {
                throw new IllegalArgumentException("--bootstrap HOST:PORT is required");
            }
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException(file + " does not exist or cannot be read");
            }
            target = address(bootstrap);
        } catch (IllegalArgumentException e) {
            err.println("cutover-proxy replay: " + e.getMessage() + "\n\n" + USAGE);
            return 2;
        }
        if (ports.isEmpty()) {
            ports.add(9092);
        }
        ReplayOptions options = new ReplayOptions(file, target, speed, topicMap, ports, json,
            progressSeconds <= 0 ? Duration.ofDays(1) : Duration.ofSeconds(progressSeconds),
            Duration.ofSeconds(responseTimeout), 10_000);
        ReplayReport report;
        try (CaptureFrames frames = CaptureFrames.open(file, ports)) {
            report = new Replayer(options, progressSeconds <= 0 ? null : err).run(frames);
        } catch (IOException e) {
            err.println("cutover-proxy replay: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        out.print(json ? report.toJson() + "\n" : report.toText());
        if (report.captureError() != null) {
            err.println("cutover-proxy replay: " + report.captureError());
            return 1;
        }
        return 0;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int port(String v) {
        int p = Integer.parseInt(v);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("not a port: " + v);
        }
        return p;
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--bootstrap takes HOST:PORT, not " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), port(hostPort.substring(colon + 1)));
    }
}
