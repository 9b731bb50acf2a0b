package io.cutover.proxy.server.metrics;

import io.cutover.proxy.core.api.ApiSupport;
import io.cutover.proxy.core.rewrite.ErrorCounter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The proxy's meters. Per-request meters sit in arrays indexed by API key or error code, so the
 * request path records without a map lookup or an allocation; each meter is registered the first
 * time it is used, so only APIs that clients actually call show up in /metrics.
 */
public final class ProxyMetrics {
    private final MeterRegistry registry;
    private final Counter[] requests = new Counter[ApiSupport.maxApiKeyId() + 1];
    private final Counter[] responses = new Counter[ApiSupport.maxApiKeyId() + 1];
    private final Timer[] latency = new Timer[ApiSupport.maxApiKeyId() + 1];
    private final Counter[] upstreamErrors;
    private final int errorCodeBase;
    private final ConcurrentMap<ProxyError, Counter> proxyErrors = new ConcurrentHashMap<>();
    private final Counter clientBytesReceived;
    private final Counter clientBytesSent;
    private final Counter upstreamBytesReceived;
    private final Counter upstreamBytesSent;
    private final Counter clientReadPauses;
    private final Counter upstreamReadPauses;
    private final Counter fetchResponsesStreamed;
    private final AtomicInteger bootstrapConnections = new AtomicInteger();
    private final AtomicInteger brokerConnections = new AtomicInteger();
    private final AtomicInteger upstreamConnections = new AtomicInteger();
    private final ErrorCounter upstreamErrorCounter = this::upstreamError;
    private final ConcurrentMap<String, Counter[]> clusterRequests = new ConcurrentHashMap<>();
    private final ConcurrentMap<Short, Counter> forcedRefreshes = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, AtomicInteger> staleClients = new ConcurrentHashMap<>();

    public ProxyMetrics(MeterRegistry registry) {
        this.registry = registry;
        int min = 0;
        int max = 0;
        for (Errors e : Errors.values()) {
            min = Math.min(min, e.code());
            max = Math.max(max, e.code());
        }
        this.errorCodeBase = -min;
        this.upstreamErrors = new Counter[max - min + 1];
        clientBytesReceived = bytes("client", "received");
        clientBytesSent = bytes("client", "sent");
        upstreamBytesReceived = bytes("upstream", "received");
        upstreamBytesSent = bytes("upstream", "sent");
        clientReadPauses = Counter.builder("cutover.proxy.backpressure.pauses")
            .description("Times the proxy stopped reading from one side because the other could not take more")
            .tag("paused", "client").register(registry);
        upstreamReadPauses = Counter.builder("cutover.proxy.backpressure.pauses")
            .description("Times the proxy stopped reading from one side because the other could not take more")
            .tag("paused", "upstream").register(registry);
        fetchResponsesStreamed = Counter.builder("cutover.proxy.fetch.responses.streamed")
            .description("Fetch responses whose first bytes went to the client before the broker had sent all of them")
            .register(registry);
        Gauge.builder("cutover.proxy.connections.active", bootstrapConnections, AtomicInteger::get)
            .description("Client connections open now").tag("listener", "bootstrap").register(registry);
        Gauge.builder("cutover.proxy.connections.active", brokerConnections, AtomicInteger::get)
            .description("Client connections open now").tag("listener", "broker").register(registry);
        Gauge.builder("cutover.proxy.upstream.connections.active", upstreamConnections, AtomicInteger::get)
            .description("Connections from the proxy to upstream brokers open now").register(registry);
    }

    private Counter bytes(String side, String direction) {
        return Counter.builder("cutover.proxy.bytes")
            .description("Bytes on the proxy's sockets, by side (client or upstream) and direction")
            .baseUnit("bytes").tag("side", side).tag("direction", direction).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void request(short apiKey) {
        Counter c = requests[apiKey];
        if (c == null) {
            c = requests[apiKey] = Counter.builder("cutover.proxy.requests").description("Requests received from clients")
                .tag("api", apiName(apiKey)).register(registry);
        }
        c.increment();
    }

    /** A request forwarded to {@code cluster}. */
    public void clusterRequest(String cluster, short apiKey) {
        Counter[] byApi = clusterRequests.computeIfAbsent(cluster, c -> new Counter[requests.length]);
        Counter c = byApi[apiKey];
        if (c == null) {
            c = byApi[apiKey] = Counter.builder("cutover.proxy.cluster.requests")
                .description("Requests forwarded to each upstream cluster, by API")
                .tag("cluster", cluster).tag("api", apiName(apiKey)).register(registry);
        }
        c.increment();
    }

    /** Errors the proxy sent to make clients refresh metadata or find their coordinator again. */
    public void forcedRefresh(Errors error, int count) {
        forcedRefreshes.computeIfAbsent(error.code(), code -> Counter.builder("cutover.proxy.forced.refresh")
            .description("Errors the proxy sent to move clients after a route change (per partition or request)")
            .tag("code", error.name()).register(registry)).increment(count);
    }

    /** A rule now sends its resources to {@code cluster} (a new rule, a changed one, or one removed, back to the default). */
    public void routeFlip(String ruleKey, String cluster) {
        Counter.builder("cutover.proxy.route.flips").description("Route changes per rule: the rule's key and the cluster it now names")
            .tag("rule", ruleKey).tag("cluster", cluster).register(registry).increment();
    }

    /** Connections on {@code cluster} that were told to move and have not yet moved. */
    public AtomicInteger staleClients(String cluster) {
        return staleClients.computeIfAbsent(cluster, c -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("cutover.proxy.stale.clients", n, AtomicInteger::get)
                .description("Client connections still sending requests for moved resources to this cluster")
                .tag("cluster", c).register(registry);
            return n;
        });
    }

    /** A response went to the client; latency runs from the request's arrival at the proxy. */
    public void response(short apiKey, long latencyNanos) {
        Counter c = responses[apiKey];
        if (c == null) {
            c = responses[apiKey] = Counter.builder("cutover.proxy.responses").description("Responses sent to clients")
                .tag("api", apiName(apiKey)).register(registry);
        }
        c.increment();
        Timer t = latency[apiKey];
        if (t == null) {
            t = latency[apiKey] = Timer.builder("cutover.proxy.request.latency")
                .description("Time from a request's arrival at the proxy to its response leaving the proxy")
                .tag("api", apiName(apiKey))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        }
        t.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    /** An error code a broker returned, seen in a response the proxy decoded. */
    public void upstreamError(short code) {
        int idx = code + errorCodeBase;
        if (idx < 0 || idx >= upstreamErrors.length) {
            return;
        }
        Counter c = upstreamErrors[idx];
        if (c == null) {
            c = upstreamErrors[idx] = Counter.builder("cutover.proxy.errors")
                .description("Errors by code: Kafka error codes seen in responses (origin=upstream) and failures the proxy detected (origin=proxy)")
                .tag("code", Errors.forCode(code).name()).tag("origin", "upstream").register(registry);
        }
        c.increment();
    }

    public ErrorCounter upstreamErrorCounter() {
        return upstreamErrorCounter;
    }

    public void proxyError(ProxyError error) {
        proxyErrors.computeIfAbsent(error, e -> Counter.builder("cutover.proxy.errors")
            .description("Errors by code: Kafka error codes seen in responses (origin=upstream) and failures the proxy detected (origin=proxy)")
            .tag("code", e.name()).tag("origin", "proxy").register(registry)).increment();
    }

    public void clientBytesReceived(int n) {
        clientBytesReceived.increment(n);
    }

    public void clientBytesSent(int n) {
        clientBytesSent.increment(n);
    }

    public void upstreamBytesReceived(int n) {
        upstreamBytesReceived.increment(n);
    }

    public void upstreamBytesSent(int n) {
        upstreamBytesSent.increment(n);
    }

    public void clientReadPaused() {
        clientReadPauses.increment();
    }

    public void upstreamReadPaused() {
        upstreamReadPauses.increment();
    }

    public void fetchResponseStreamed() {
        fetchResponsesStreamed.increment();
    }

    public AtomicInteger connections(boolean bootstrap) {
        return bootstrap ? bootstrapConnections : brokerConnections;
    }

    public AtomicInteger upstreamConnections() {
        return upstreamConnections;
    }

    private static String apiName(short apiKey) {
        return ApiKeys.hasId(apiKey) ? ApiKeys.forId(apiKey).name : "unknown-" + apiKey;
    }
}
