package io.cutover.proxy.server.upstream;

import io.cutover.proxy.core.codec.ResponseFrames;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.net.KafkaFrames;
import io.cutover.proxy.server.net.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;

/**
 * The proxy's own connections to one cluster, for what the proxy asks on clients' behalf: the
 * cluster's API versions, metadata to merge, coordinators, producer ids. A few connections to
 * bootstrap servers, used round-robin; a broken one is replaced on the next request.
 */
public final class ClusterLink implements AutoCloseable {
    private static final int CONNECTIONS = 2;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);

    private final ClusterConfig cluster;
    private final EventLoopGroup group;
    private final Transport transport;
    private final int maxResponseBytes;
    private final Duration connectTimeout;
    private final LinkSlot[] slots = new LinkSlot[CONNECTIONS];
    private final AtomicInteger next = new AtomicInteger();
    private volatile ApiVersionsResponseData apiVersions;

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

    public ClusterLink(ClusterConfig cluster, EventLoopGroup group, Transport transport, int maxResponseBytes, Duration connectTimeout) {
        this.cluster = cluster;
        this.group = group;
        this.transport = transport;
        this.maxResponseBytes = maxResponseBytes;
        this.connectTimeout = connectTimeout;
        for (int i = 0; i < CONNECTIONS; i++) {
            slots[i] = new LinkSlot(cluster.bootstrapServers());
        }
    }

    public String cluster() {
        return cluster.name();
    }

    /** The cluster's API versions as last learnt, or null when it never answered. */
    public ApiVersionsResponseData apiVersions() {
        return apiVersions;
    }

    /** The cluster's API versions, connecting first if the proxy has not talked to the cluster yet. */
    public CompletionStage<ApiVersionsResponseData> apiVersionsReady() {
        ApiVersionsResponseData known = apiVersions;
        if (known != null) {
            return CompletableFuture.completedFuture(known);
        }
        return slots[0].channel().thenApply(ch -> apiVersions);
    }

    /** Sends a request to any broker of the cluster. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> CompletionStage<T> send(ApiKeys api, short version, ApiMessage request) {
        LinkSlot slot = slots[Math.floorMod(next.getAndIncrement(), CONNECTIONS)];
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        slot.channel().whenComplete((ch, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            ch.channelEventLoopExecute(() -> ch.send(api, version, request, result));
        });
        return (CompletionStage<T>) result.orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionallyCompose(e -> CompletableFuture.failedFuture(e instanceof java.util.concurrent.TimeoutException
                ? new ClusterUnavailableException("cluster " + cluster.name() + " did not answer " + api.name + " within " + REQUEST_TIMEOUT, e)
                : e));
    }

    private final java.util.Map<String, LinkSlot> brokerSlots = new java.util.concurrent.ConcurrentHashMap<>();

    /** Sends a request to one broker of the cluster (a coordinator, say), by its real address. */
    @SuppressWarnings("unchecked")
    public <T extends ApiMessage> CompletionStage<T> sendTo(String host, int port, ApiKeys api, short version, ApiMessage request) {
        LinkSlot slot = brokerSlots.computeIfAbsent(host + ":" + port, k -> new LinkSlot(List.of(InetSocketAddress.createUnresolved(host, port))));
        CompletableFuture<ApiMessage> result = new CompletableFuture<>();
        slot.channel().whenComplete((ch, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            ch.channelEventLoopExecute(() -> ch.send(api, version, request, result));
        });
        return (CompletionStage<T>) result.orTimeout(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private CompletableFuture<LinkChannel> connect(List<InetSocketAddress> servers, int start, int tried, Throwable last) {
        if (tried >= servers.size()) {
            return CompletableFuture.failedFuture(new ClusterUnavailableException(
                "cannot reach cluster " + cluster.name() + " at " + cluster.bootstrapServersString() + ": "
                    + (last == null ? "no address" : last.getMessage()), last));
        }
        InetSocketAddress address = servers.get((start + tried) % servers.size());
        LinkChannel handler = new LinkChannel("cluster " + cluster.name() + " broker " + address.getHostString() + ":" + address.getPort());
        CompletableFuture<LinkChannel> ready = new CompletableFuture<>();
        Bootstrap b = new Bootstrap()
            .group(group)
            .channel(transport.channel())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast("frame-decoder", KafkaFrames.decoder(maxResponseBytes, ResponseFrames.MIN_FRAME_BYTES, "response"))
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
                        + " refused ApiVersions: " + (e != null ? e.getMessage() : Errors.forCode(v.errorCode())), e));
                    return;
                }
                apiVersions = v;
                ready.complete(handler);
            });
        });
        return ready;
    }

    @Override
    public void close() {
        java.util.List<LinkSlot> all = new java.util.ArrayList<>(List.of(slots));
        all.addAll(brokerSlots.values());
        for (LinkSlot s : all) {
            CompletableFuture<LinkChannel> c = s.connecting;
            if (c != null && c.isDone() && !c.isCompletedExceptionally()) {
                c.join().close();
            }
        }
    }
}
