package io.cutover.proxy.server.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * What a replay measured: per API key, requests sent, responses, latency percentiles (HdrHistogram,
 * microseconds) and error codes; per principal the replayed connections stood for, the errors its
 * requests got on each resource, its client ids, and logins refused; requests skipped and why; bytes
 * and throughput. Thread-safe: every replayed connection records into it.
 */
public final class ReplayReport {
    /**
     * One error the requests of one principal's connections got on one resource ({@code principal}
     * "" for connections without a login; {@code resourceType} TOPIC, GROUP, TRANSACTIONAL_ID, or ""
     * with {@code resource} "" when the error names none).
     */
    public record ResourceError(String principal, String api, String resourceType, String resource, String error) {
    }

    /** Why a principal's connections were not replayed (not mapped, or the cluster refused its user's login). */
    public record Refusal(String principal, String reason) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One API key's figures. */
    static final class ApiFigures {
        final Histogram latencyMicros = new Histogram(3_600_000_000L, 3);
        final Map<String, Long> errors = new TreeMap<>();
        long sent;
        long responses;
        long unanswered;

        synchronized void sent() {
            sent++;
        }

        synchronized void response(long micros, Map<Errors, Integer> errorCounts) {
            responses++;
            latencyMicros.recordValue(Math.max(0, Math.min(micros, latencyMicros.getHighestTrackableValue())));
            errorCounts.forEach((e, n) -> {
                if (e != Errors.NONE) {
                    errors.merge(e.name(), (long) n, Long::sum);
                }
            });
        }

        synchronized void unanswered(long n) {
            unanswered += n;
        }
    }

    private final Map<ApiKeys, ApiFigures> apis = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> skipped = new ConcurrentHashMap<>();
    private final Map<ResourceError, AtomicLong> resourceErrors = new ConcurrentHashMap<>();
    private final Map<Refusal, AtomicLong> refusals = new ConcurrentHashMap<>();
    private final Map<String, java.util.Set<String>> clientIds = new ConcurrentHashMap<>();
    private final Map<String, String> users = new ConcurrentHashMap<>();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong connectionFailures = new AtomicLong();
    private final AtomicLong transactionalBatchesStripped = new AtomicLong();
    private volatile long startNanos;
    private volatile long endNanos;
    private volatile String captureError;

    ApiFigures api(ApiKeys api) {
        return apis.computeIfAbsent(api, a -> new ApiFigures());
    }

    void sent(ApiKeys api, int bytes) {
        api(api).sent();
        bytesSent.addAndGet(bytes);
    }

    private final Map<String, AtomicLong> unsupported = new ConcurrentHashMap<>();

    /**
     * A captured request at a version the target lacks (or of an API it lacks altogether, which is
     * then also counted as an UNSUPPORTED_VERSION error, as it cannot be sent).
     */
    void unsupported(ApiKeys api, short captured, short targetMax) {
        if (targetMax < 0) {
            ApiFigures f = api(api);
            synchronized (f) {
                f.errors.merge(Errors.UNSUPPORTED_VERSION.name(), 1L, Long::sum);
            }
        }
        unsupported.computeIfAbsent(api.name + " v" + captured + (targetMax < 0 ? " (the target does not offer " + api.name + ")"
            : " (the target takes up to v" + targetMax + ")"), k -> new AtomicLong()).incrementAndGet();
    }

    /** Captured versions the target lacks, with how many requests used them. */
    public Map<String, Long> unsupportedVersions() {
        Map<String, Long> out = new TreeMap<>();
        unsupported.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Every API the replay sent or tried, with its errors by name. */
    public Map<String, Map<String, Long>> errorsByApi() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        new TreeMap<>(apis).forEach((api, f) -> {
            synchronized (f) {
                out.put(api.name, new TreeMap<>(f.errors));
            }
        });
        return out;
    }

    public java.util.Set<ApiKeys> apis() {
        return java.util.Set.copyOf(apis.keySet());
    }

    /** {@code principal} (null: no login) got {@code error} from {@code api} on a resource, once per response. */
    void resourceError(String principal, ApiKeys api, String resourceType, String resource, Errors error) {
        resourceErrors.computeIfAbsent(new ResourceError(principal == null ? "" : principal, api.name, resourceType, resource,
            error.name()), k -> new AtomicLong()).incrementAndGet();
    }

    /** A connection of {@code principal} (null: no login), replayed as {@code user}, sent a request as {@code clientId}. */
    void replayedAs(String principal, String user, String clientId) {
        String key = principal == null ? "" : principal;
        if (user != null) {
            users.put(key, user);
        }
        clientIds.computeIfAbsent(key, k -> java.util.concurrent.ConcurrentHashMap.newKeySet()).add(clientId == null ? "" : clientId);
    }

    /** {@code requests} of {@code principal}'s (null: no login) were not replayed, for {@code reason}. */
    void refused(String principal, String reason, long requests) {
        refusals.computeIfAbsent(new Refusal(principal == null ? "" : principal, reason), k -> new AtomicLong()).addAndGet(requests);
        skipped(reason);
    }

    /** Errors by principal and resource, with how many responses carried each. */
    public Map<ResourceError, Long> resourceErrors() {
        Map<ResourceError, Long> out = new java.util.HashMap<>();
        resourceErrors.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Requests not replayed, by principal and reason. */
    public Map<Refusal, Long> refusals() {
        Map<Refusal, Long> out = new java.util.HashMap<>();
        refusals.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** The client ids each principal's replayed connections used ("" for connections without a login). */
    public Map<String, java.util.SortedSet<String>> clientIds() {
        Map<String, java.util.SortedSet<String>> out = new TreeMap<>();
        clientIds.forEach((k, v) -> out.put(k, new java.util.TreeSet<>(v)));
        return out;
    }

    /** The user each principal's connections logged in to the cluster as; absent without SASL. */
    public Map<String, String> users() {
        return new TreeMap<>(users);
    }

    void received(int bytes) {
        bytesReceived.addAndGet(bytes);
    }

    void skipped(String why) {
        skipped.computeIfAbsent(why, k -> new AtomicLong()).incrementAndGet();
    }

    void connectionOpened() {
        connections.incrementAndGet();
    }

    void connectionFailed() {
        connectionFailures.incrementAndGet();
    }

    void transactionalBatchesStripped(int n) {
        transactionalBatchesStripped.addAndGet(n);
    }

    void started() {
        startNanos = System.nanoTime();
    }

    void finished() {
        endNanos = System.nanoTime();
    }

    /** The capture could not be read to its end (truncated or corrupt); what was read before was replayed. */
    void captureError(String message) {
        captureError = message;
    }

    public String captureError() {
        return captureError;
    }

    public long requestsSent() {
        return apis.values().stream().mapToLong(a -> a.sent).sum();
    }

    public long responses() {
        return apis.values().stream().mapToLong(a -> a.responses).sum();
    }

    /** Error code counts of one API, by error name. */
    public Map<String, Long> errors(ApiKeys api) {
        ApiFigures f = apis.get(api);
        return f == null ? Map.of() : Map.copyOf(f.errors);
    }

    public long sent(ApiKeys api) {
        ApiFigures f = apis.get(api);
        return f == null ? 0 : f.sent;
    }

    public long responses(ApiKeys api) {
        ApiFigures f = apis.get(api);
        return f == null ? 0 : f.responses;
    }

    /** Latency percentile in microseconds of one API's responses. */
    public long latencyMicros(ApiKeys api, double percentile) {
        ApiFigures f = apis.get(api);
        return f == null ? 0 : f.latencyMicros.getValueAtPercentile(percentile);
    }

    public Map<String, Long> skipped() {
        Map<String, Long> out = new TreeMap<>();
        skipped.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private double seconds() {
        long end = endNanos == 0 ? System.nanoTime() : endNanos;
        return Math.max(1e-9, (end - startNanos) / 1e9);
    }

    /** One line for long runs: requests, responses, rate and errors so far. */
    String progressLine() {
        long errors = apis.values().stream().mapToLong(a -> {
            synchronized (a) {
                return a.errors.values().stream().mapToLong(Long::longValue).sum();
            }
        }).sum();
        return String.format("replay: %.0f s, %d requests sent, %d responses, %.0f req/s, %.1f MB/s out, %d error codes",
            seconds(), requestsSent(), responses(), requestsSent() / seconds(), bytesSent.get() / seconds() / 1e6, errors);
    }

    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("replayed %d requests on %d connections in %.2f s: %.0f req/s, %.2f MB/s sent, %.2f MB/s received%n",
            requestsSent(), connections.get(), seconds(), requestsSent() / seconds(), bytesSent.get() / seconds() / 1e6,
            bytesReceived.get() / seconds() / 1e6));
        sb.append(String.format("%-24s %9s %9s %9s %9s %9s %9s %9s  %s%n", "api", "sent", "answered", "p50 ms", "p90 ms", "p99 ms",
            "p99.9 ms", "max ms", "errors"));
        new TreeMap<>(apis).forEach((api, f) -> {
            synchronized (f) {
                sb.append(String.format("%-24s %9d %9d %9.2f %9.2f %9.2f %9.2f %9.2f  %s%n", api.name, f.sent, f.responses,
                    ms(f, 50), ms(f, 90), ms(f, 99), ms(f, 99.9), f.latencyMicros.getMaxValue() / 1000.0,
                    f.errors.isEmpty() ? "-" : f.errors.toString()));
            }
        });
        if (!skipped.isEmpty()) {
            sb.append("skipped: ").append(skipped()).append('\n');
        }
        if (transactionalBatchesStripped.get() > 0) {
            sb.append("transactional batches replayed as idempotent: ").append(transactionalBatchesStripped.get()).append('\n');
        }
        if (connectionFailures.get() > 0) {
            sb.append("connections that failed: ").append(connectionFailures.get()).append('\n');
        }
        if (captureError != null) {
            sb.append("capture ended early: ").append(captureError).append('\n');
        }
        return sb.toString();
    }

    private static double ms(ApiFigures f, double p) {
        return f.latencyMicros.getValueAtPercentile(p) / 1000.0;
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("seconds", seconds());
        root.put("connections", connections.get());
        root.put("connectionFailures", connectionFailures.get());
        root.put("requestsSent", requestsSent());
        root.put("responses", responses());
        root.put("requestsPerSecond", requestsSent() / seconds());
        root.put("bytesSent", bytesSent.get());
        root.put("bytesReceived", bytesReceived.get());
        root.put("transactionalBatchesStripped", transactionalBatchesStripped.get());
        ObjectNode unsupportedNode = root.putObject("unsupportedVersions");
        unsupportedVersions().forEach(unsupportedNode::put);
        ObjectNode skippedNode = root.putObject("skipped");
        skipped().forEach(skippedNode::put);
        if (captureError != null) {
            root.put("captureError", captureError);
        }
        ArrayNode byPrincipal = root.putArray("principals");
        java.util.Set<String> principals = new java.util.TreeSet<>(clientIds.keySet());
        resourceErrors.keySet().forEach(k -> principals.add(k.principal()));
        refusals.keySet().forEach(k -> principals.add(k.principal()));
        for (String principal : principals) {
            ObjectNode p = byPrincipal.addObject();
            if (principal.isEmpty()) {
                p.putNull("principal");
            } else {
                p.put("principal", principal);
            }
            p.put("user", users.get(principal));
            ArrayNode ids = p.putArray("clientIds");
            new java.util.TreeSet<>(clientIds.getOrDefault(principal, java.util.Set.of())).forEach(ids::add);
            ArrayNode errs = p.putArray("errors");
            resourceErrors().entrySet().stream().filter(e -> e.getKey().principal().equals(principal))
                .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(ResourceError::api).thenComparing(ResourceError::resource)
                    .thenComparing(ResourceError::error)))
                .forEach(e -> errs.addObject().put("api", e.getKey().api()).put("resourceType", e.getKey().resourceType())
                    .put("resource", e.getKey().resource()).put("error", e.getKey().error()).put("responses", e.getValue()));
            ArrayNode refused = p.putArray("refused");
            refusals().forEach((k, n) -> {
                if (k.principal().equals(principal)) {
                    refused.addObject().put("reason", k.reason()).put("requests", n);
                }
            });
        }
        ArrayNode list = root.putArray("apis");
        new TreeMap<>(apis).forEach((api, f) -> {
            synchronized (f) {
                ObjectNode n = list.addObject();
                n.put("api", api.name);
                n.put("apiKey", api.id);
                n.put("sent", f.sent);
                n.put("responses", f.responses);
                n.put("unanswered", f.unanswered);
                ObjectNode lat = n.putObject("latencyMs");
                for (double p : new double[] {50, 90, 99, 99.9}) {
                    lat.put("p" + (p == Math.rint(p) ? String.valueOf((int) p) : String.valueOf(p)), ms(f, p));
                }
                lat.put("max", f.latencyMicros.getMaxValue() / 1000.0);
                ObjectNode errs = n.putObject("errors");
                f.errors.forEach(errs::put);
            }
        });
        try {
            return JSON.writeValueAsString(root);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
