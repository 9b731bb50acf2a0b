package io.cutover.proxy.bench;

import io.cutover.proxy.core.routing.ClientRoutes;
import io.cutover.proxy.core.routing.ClientSelector;
import io.cutover.proxy.core.routing.MatchType;
import io.cutover.proxy.core.routing.ResourceType;
import io.cutover.proxy.core.routing.RouteRule;
import io.cutover.proxy.core.routing.RouteTable;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Route lookups on a connection's compiled view of a 100-rule table (exact, prefix and regex rules). */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RoutingBenchmarks {
    @Param({"exact", "prefix", "regex", "default"})
    public String kind;

    private ClientRoutes routes;
    private String name;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        List<RouteRule> rules = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rules.add(new RouteRule(ResourceType.TOPIC, MatchType.EXACT, "orders-" + i, ClientSelector.ANY, "target"));
            rules.add(new RouteRule(ResourceType.TOPIC, MatchType.PREFIX, "team-" + i + ".", ClientSelector.ANY, "target"));
        }
        for (int i = 0; i < 20; i++) {
            rules.add(new RouteRule(ResourceType.TOPIC, MatchType.REGEX, "audit-" + i + "-[0-9]+", ClientSelector.ANY, "target"));
        }
        routes = new RouteTable(1, "source", rules).forClient(new ClientSelector.ClientIdentity("app-1", InetAddress.getLoopbackAddress()));
        name = switch (kind) {
            case "exact" -> "orders-17";
            case "prefix" -> "team-17.payments";
            case "regex" -> "audit-7-2024";
            default -> "unrouted-topic";
        };
    }

    @Benchmark
    public String topicLookup() {
        return routes.topic(name);
    }
}
