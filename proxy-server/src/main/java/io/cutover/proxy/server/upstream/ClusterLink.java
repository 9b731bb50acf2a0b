package io.cutover.proxy.server.upstream;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.wire.KafkaFrameDecoder;
import io.cutover.proxy.server.wire.Transport;
import io.cutover.proxy.server.security.UpstreamSecurity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's own connections to one cluster, for what the proxy asks on clients' behalf: the
 * cluster's API versions, metadata to merge, coordinators, producer ids. A few connections to
 * bootstrap servers, used round-robin; a broken one is replaced on the next request.
 *
 * <p>Every request fails with {@link ClusterUnavailableException} after the request timeout
 * (connecting included), so a cluster that is down or blackholed costs callers a bounded wait and a
 * retriable error, never a hang. The outcome of requests to the bootstrap connections, and of a
 * periodic probe, is the link's view of whether the cluster is reachable, which /health reports.
 */
public final class ClusterLink implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLink.class);
    private static final int CONNECTIONS = 2;
    private static final ApiVersionsRequestData PROBE = new ApiVersionsRequestData()
        .setClientSoftwareName("cutover-proxy").setClientSoftwareVersion("0.1");

    private final ClusterConfig cluster;
    private final EventLoopGroup group;
    private final Transport transport;
    private final int maxResponseBytes;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final LinkSlot[] slots = new LinkSlot[CONNECTIONS];
    private final Map<String, LinkSlot> brokerSlots = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile ApiVersionsResponseData apiVersions;
    private volatile Consumer<ApiVersionsResponseData> onApiVersions = v -> { };
    private volatile Consumer<Boolean> onReachability = r -> { };
    private static final Reach REACHABLE = new Reach(true, null, true);
    private final AtomicReference<Reach> reach = new AtomicReference<>(new Reach(false, "not contacted yet", false));
    private volatile long lastAnswerNanos;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile ScheduledFuture<?> probes;

    /** One pooled connection; replaced wholesale when it breaks. */
    private final class LinkSlot {
        private final List<InetSocketAddress> addresses;
        private volatile CompletableFuture<LinkChannel> connecting;

        LinkSlot(List<InetSocketAddress> addresses) {
            this.addresses = addresses;
        }

        synchronized CompletableFuture<LinkChannel> channel() {
            CompletableFuture<LinkChannel> c = connecting;
            if (c == null || (c.isDone() && (c.isCompletedExceptionally() || !c.join().isOpen()))) {
                c = connect(addresses, Math.floorMod(next.getAndIncrement(), addresses.size()), 0, null);
                connecting = c;
            }
            return c;
        }
    }

    public ClusterLink(ClusterConfig cluster, EventLoopGroup group, Transport transport, int maxResponseBytes, Duration connectTimeout,
                       Duration requestTimeout) {
        this.cluster = cluster;
        this.group = group;
        this.transport = transport;
        this.maxResponseBytes = maxResponseBytes;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        for (int i = 0; i < CONNECTIONS; i++) {
            slots[i] = new LinkSlot(cluster.bootstrapServers());
        }
    }

    public String cluster() {
        return cluster.name();
    }

    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Told each cluster's API versions as a new connection learns them (to keep them across restarts). */
    public void onApiVersions(Consumer<ApiVersionsResponseData> listener) {
        this.onApiVersions = listener;
    }

    /** Told {@code true} when the cluster becomes reachable, {@code false} when it stops being so. */
    public void onReachability(Consumer<Boolean> listener) {
        this.onReachability = listener;
    }

    /** The cluster's API versions as last learnt since the proxy started, or null when it never answered. */
    public ApiVersionsResponseData apiVersions() {
        return apiVersions;
    }

    /** The cluster's API versions, connecting first if the proxy has not talked to the cluster yet. */
    public CompletionStage<ApiVersionsResponseData> apiVersionsReady() {
        ApiVersionsResponseData known = apiVersions;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return withDeadline(slots[0].channel().thenApply(ch -> apiVersions), ApiKeys.API_VERSIONS, true);
    }

    /**
     * Sends a request to any broker of the cluster. While the cluster is known unreachable (its last
     * request or probe failed), fails at once instead: the probe finds out when it is back, and
     * meanwhile callers, and the clients of the other cluster waiting on a fan-out, are not held for
     * the request timeout each time.
     */
    public <T extends ApiMessage> CompletionStage<T> send(ApiKeys api, short version, ApiMessage request) {
        Reach r = reach.get();
        if (r.judged && !r.reachable) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException("cluster " + cluster.name() + " is unreachable ("
                + r.error + "); " + api.name + " not sent until a probe is answered", null));
        }
        return sendToAny(api, version, request);
    }

    private <T extends ApiMessage> CompletionStage<T> sendToAny(ApiKeys api, short version, ApiMessage request) {
        return send(slots[Math.floorMod(next.getAndIncrement(), CONNECTIONS)], api, version, request, true);
    }

    /** Sends a request to one broker of the cluster (a coordinator, say), by its real address. */
    public <T extends ApiMessage> CompletionStage<T> sendTo(String host, int port, ApiKeys api, short version, ApiMessage request) {
        LinkSlot slot = brokerSlots.computeIfAbsent(host + ":" + port, k -> new LinkSlot(List.of(InetSocketAddress.createUnresolved(host, port))));
        // One broker failing says nothing about the cluster: only bootstrap requests judge reachability.
        return send(slot, api, version, request, false);
    }

    @SuppressWarnings("unchecked")
    private <T extends ApiMessage> CompletionStage<T> send(LinkSlot slot, ApiKeys api, short version, ApiMessage request,
                                                          boolean judgesReachability) {
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        slot.channel().whenComplete((ch, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            ch.channelEventLoopExecute(() -> ch.send(api, version, request, result));
        });
        return (CompletionStage<T>) withDeadline(result, api, judgesReachability);
    }

    /**
     * Bounds a request, connecting included, by the request timeout, maps a timeout to
     * {@link ClusterUnavailableException}, and notes the outcome for reachability.
     */
    private <T> CompletableFuture<T> withDeadline(CompletableFuture<T> request, ApiKeys api, boolean judgesReachability) {
        CompletableFuture<T> bounded = request.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionallyCompose(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                return CompletableFuture.failedFuture(cause instanceof TimeoutException
                    ? new ClusterUnavailableException("cluster " + cluster.name() + " did not answer " + api.name + " within "
                        + requestTimeout + " (limits.upstream-request-timeout)", cause)
                    : cause);
            });
        if (judgesReachability) {
            bounded.whenComplete((r, e) -> {
                if (e == null) {
                    noteReachable();
                } else if (e instanceof ClusterUnavailableException || e.getCause() instanceof ClusterUnavailableException) {
                    noteUnreachable(e instanceof ClusterUnavailableException ? e.getMessage() : e.getCause().getMessage());
                }
            });
        }
        return bounded;
    }

    /**
     * Asks the cluster for its API versions every {@code interval}, so reachability is known within
     * about interval + request timeout of a change even when no client asks anything.
     */
    public void startProbing(Duration interval) {
        probe();
        probes = group.next().scheduleWithFixedDelay(this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        if (!probing.compareAndSet(false, true)) {
            return; // the previous probe is still waiting; its deadline will end it
        }
        sendToAny(ApiKeys.API_VERSIONS, (short) 3, PROBE).whenComplete((r, e) -> probing.set(false));
    }

    /** True while the last request to the cluster's bootstrap connections was answered. */
    public boolean reachable() {
        return reach.get().reachable;
    }

    /** True once a request to the cluster failed and none has been answered since. */
    public boolean knownUnreachable() {
        Reach r = reach.get();
        return r.judged && !r.reachable;
    }

    /** What /health shows of this link. */
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        Reach r = reach.get();
        s.put("reachable", r.reachable);
        long last = lastAnswerNanos;
        s.put("lastAnswerMillisAgo", last == 0 ? null : (System.nanoTime() - last) / 1_000_000);
        s.put("error", r.error);
        return s;
    }

    private void noteReachable() {
        lastAnswerNanos = System.nanoTime();
        Reach before = reach.getAndSet(REACHABLE);
        if (!before.reachable) {
            LOG.info("cluster {} answers the proxy's control link", cluster.name());
            onReachability.accept(true);
        }
    }

    private void noteUnreachable(String error) {
        Reach before = reach.getAndSet(new Reach(false, error, true));
        if (before.reachable || !before.judged) {
            LOG.warn("cluster {} is unreachable: {}", cluster.name(), error);
            onReachability.accept(false);
            // One failure may be one broker restarting: probe again at once (on a fresh connection)
            // rather than refusing requests for a whole probe interval.
            if (before.reachable) {
                group.next().execute(this::probe);
            }
        }
    }

    /** The link's latest judgement of the cluster; {@code judged} is false until a first outcome. */
    private record Reach(boolean reachable, String error, boolean judged) {
    }

    private CompletableFuture<LinkChannel> connect(List<InetSocketAddress> servers, int start, int tried, Throwable last) {
        if (tried >= servers.size()) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException(
                "cannot reach cluster " + cluster.name() + " at " + cluster.bootstrapServersString() + ": "
                    + (last == null ? "no address" : last.getMessage()), last));
        }
        InetSocketAddress address = servers.get((start + tried) % servers.size());
        LinkChannel handler = new LinkChannel("cluster " + cluster.name() + " broker " + address.getHostString() + ":" + address.getPort(),
            requestTimeout);
        CompletableFuture<LinkChannel> ready = new CompletableFuture<>();
        // Keepalive notices a vanished broker host only eventually; the request timeout bounds a request's wait.
        Bootstrap b = transport.connector(group, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    UpstreamSecurity.install(ch.pipeline(), cluster.security());
                    ch.pipeline()
                        .addLast("frame-decoder", new KafkaFrameDecoder(maxResponseBytes, ResponseFrames.MIN_FRAME_BYTES, "response"))
                        .addLast("link", handler);
                }
            });
        b.connect(address).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                connect(servers, start, tried + 1, f.cause()).whenComplete((c, e) -> {
                    if (e != null) {
                        ready.completeExceptionally(e);
                    } else {
                        ready.complete(c);
                    }
                });
                return;
            }
            handler.attach(f.channel());
            // Learn the cluster's API versions on every new connection: a rolling upgrade changes them.
            CompletableFuture<ApiMessage> versions = new CompletableFuture<>();
            handler.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData()
                .setClientSoftwareName("cutover-proxy").setClientSoftwareVersion("0.1"), versions);
            versions.whenComplete((r, e) -> {
                ApiVersionsResponseData v = (ApiVersionsResponseData) r;
                if (e != null || v.errorCode() != Errors.NONE.code()) {
                    f.channel().close();
                    ready.completeExceptionally(new ClusterUnavailableException("cluster " + cluster.name()
                        + " gave no ApiVersions: " + (e != null ? e.getMessage() : Errors.forCode(v.errorCode())), e));
                    return;
                }
                apiVersions = v;
                onApiVersions.accept(v);
                ready.complete(handler);
            });
        });
        return ready;
    }

    @Override
    public void close() {
        ScheduledFuture<?> p = probes;
        if (p != null) {
            p.cancel(false);
        }
        List<LinkSlot> all = new ArrayList<>(List.of(slots));
        all.addAll(brokerSlots.values());
        for (LinkSlot s : all) {
            CompletableFuture<LinkChannel> c = s.connecting;
            if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
                c.join().close();
            }
        }
    }
}
