package io.cutover.proxy.server.net;

import io.cutover.proxy.core.log.RateLimitedLog;
import com.typesafe.config.ConfigFactory;
import io.cutover.proxy.core.capture.CaptureHub;
import io.cutover.proxy.core.codec.MessageCodec;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodePortStore;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.routing.RouteStore;
import io.cutover.proxy.core.routing.RouteTable;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.routing.RoutingContext;
import io.cutover.proxy.core.virtual.ProducerIdMapper;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import io.cutover.proxy.server.metrics.ProxyError;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.route.ControlPlane;
import io.cutover.proxy.server.route.RoutingState;
import io.cutover.proxy.server.wave.ClientObservations;
import io.cutover.proxy.server.wave.Fences;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.slf4j.LoggerFactory;

/**
 * A ProxyContext with no sockets and no brokers, for EmbeddedChannel tests of the net handlers: the
 * default config, metrics in a SimpleMeterRegistry, in-memory routes and node ports, and real
 * producer ids from a queue the test fills. One cluster ("source") or two ("source" and "target",
 * routing mode). The transport and the upstream connector need the network and are left null: no
 * handler tested here touches them. The control-plane answers are whatever the test cans in
 * {@link #controlPlane}.
 */
final class HandlerFixture {
    static final InetSocketAddress CLIENT_ADDRESS = new InetSocketAddress("10.0.0.7", 50_123);
    static final InetSocketAddress PROXY_ADDRESS = new InetSocketAddress("10.0.0.1", 9192);

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Routes routes;
    /** Real producer ids of each cluster that ProducerIdRouter may hand out; empty until a test adds some. */
    final Map<String, ArrayDeque<ProducerIdMapper.RealProducer>> realIds = new LinkedHashMap<>();
    final Fences fences = new Fences();
    final ClientInventory inventory = new ClientInventory(100, Duration.ofHours(1), Clock.systemUTC(), null);
    final CaptureHub captures;
    final ProxyContext proxy;
    /** Answers the proxy gives ApiVersions, Metadata, FindCoordinator, DescribeCluster; none until a test cans one. */
    ControlPlane controlPlane = (api, version, request, routes) ->
        CompletableFuture.failedFuture(new IllegalStateException("no " + api + " answer canned"));

    private HandlerFixture(boolean twoClusters, Path captureDir) {
        String hocon = "cutover-proxy.clusters.source.bootstrap-servers = [\"source-kafka:9092\"]"
            + (twoClusters ? "\ncutover-proxy.clusters.target.bootstrap-servers = [\"target-kafka:9092\"]" : "");
        ProxyConfig config = ProxyConfigLoader.fromUserConfig(ConfigFactory.parseString(hocon));
        List<String> clusters = List.copyOf(config.clusters().keySet());
        Map<String, Integer> offsets = new LinkedHashMap<>();
        config.clusters().values().forEach(c -> offsets.put(c.name(), c.nodeIdOffset()));
        NodeRegistry nodes = new NodeRegistry(new NodeIdSpace(offsets), config.listener().brokerPorts(), NodePortStore.inMemory());
        nodes.start(PortBinder.NONE);
        ProxyMetrics metrics = new ProxyMetrics(registry);
        TopicIds topicIds = new TopicIds();
        Map<String, ClusterNodeMapper> mappers = new LinkedHashMap<>();
        Map<String, RewriteContext> rewrites = new LinkedHashMap<>();
        for (String c : clusters) {
            mappers.put(c, new ClusterNodeMapper(nodes, c, config.listener().advertisedHost()));
            rewrites.put(c, new RewriteContext(c, mappers.get(c), metrics.upstreamErrorCounter(), topicIds, twoClusters));
            realIds.put(c, new ArrayDeque<>());
        }
        this.routes = new Routes(RouteStore.inMemory(), clusters);
        RoutingState routing = new RoutingState(routes, Map.of(),
            new RoutingContext(clusters, Map.copyOf(rewrites), topicIds, twoClusters, twoClusters ? "virtual-cluster" : null),
            ProxyConfig.SOURCE, ProducerIdStore.none(), cluster -> realIds.get(cluster).poll());
        this.captures = new CaptureHub(captureDir, config.capture().queueBytes(), Clock.systemUTC());
        this.proxy = new ProxyContext(config, metrics, nodes, Map.copyOf(mappers), new ResponseRewriting(), null, null,
            new RateLimitedLog(LoggerFactory.getLogger("io.cutover.proxy.connections"), 20), routing,
            (api, version, request, clientRoutes) -> controlPlane.answer(api, version, request, clientRoutes), captures,
            new LiveConnections(), fences, new ClientObservations(), inventory,
            new RequestMemory(config.limits().requestMemoryBytes(), config.limits().requestFrameTimeout(), metrics),
            new ResponseMemory(config.limits().responseMemoryBytes(), config.limits().responseReadTimeout(), metrics));
    }

    /** The proxy in front of one cluster: nothing is routed. */
    static HandlerFixture oneCluster() {
        return new HandlerFixture(false, Path.of("target", "handler-test-captures"));
    }

    /** The proxy in front of a source and a target, routing by {@code table} (built on RouteTable.initial()). */
    static HandlerFixture twoClusters(RouteTable table) {
        HandlerFixture f = new HandlerFixture(true, Path.of("target", "handler-test-captures"));
        if (table.version() != f.routes.current().version()) {
            f.routes.replace(f.routes.current().version(), table);
        }
        return f;
    }

    static HandlerFixture withCaptures(Path captureDir) {
        return new HandlerFixture(false, captureDir);
    }

    // ---- connections ------------------------------------------------------------------------

    /** A client channel with an address (EmbeddedChannel's own is not an InetSocketAddress), no handlers yet. */
    static EmbeddedChannel clientChannel() {
        return new AddressedChannel();
    }

    /** The per-connection facts of {@code channel}, a connection on the bootstrap listener of {@code cluster}. */
    ClientSession session(EmbeddedChannel channel, String cluster) {
        return new ClientSession(proxy, channel, new FixedTarget(cluster), true);
    }

    ClientSession session(EmbeddedChannel channel) {
        return session(channel, ProxyConfig.SOURCE);
    }

    private static final class AddressedChannel extends EmbeddedChannel {
        @Override
        protected SocketAddress remoteAddress0() {
            return CLIENT_ADDRESS;
        }

        @Override
        protected SocketAddress localAddress0() {
            return PROXY_ADDRESS;
        }
    }

    private record FixedTarget(String cluster) implements UpstreamTarget {
        @Override
        public List<InetSocketAddress> addresses() {
            return List.of(InetSocketAddress.createUnresolved(cluster + "-kafka", 9092));
        }

        @Override
        public String describe() {
            return "bootstrap servers of " + cluster;
        }
    }

    // ---- frames -----------------------------------------------------------------------------

    /** A request frame as a client sends it (size prefix, header, body), client id "app-1". */
    static ByteBuf request(ApiMessage body, short version, int correlationId) {
        return request(body, version, correlationId, "app-1");
    }

    static ByteBuf request(ApiMessage body, short version, int correlationId, String clientId) {
        RequestHeaderData header = new RequestHeaderData().setRequestApiKey(body.apiKey()).setRequestApiVersion(version)
            .setCorrelationId(correlationId).setClientId(clientId);
        return MessageCodec.encodeRequest(ByteBufAllocator.DEFAULT, header, body);
    }

    /** A RequestFrame as RequestDecoder hands it on, body not decoded. */
    static RequestFrame requestFrame(ApiMessage body, short version, int correlationId) {
        return new RequestFrame(request(body, version, correlationId), ApiKeys.forId(body.apiKey()), version, correlationId);
    }

    /** A response frame as a broker sends it. */
    static ByteBuf response(ApiKeys api, short version, int correlationId, ApiMessage body) {
        return MessageCodec.encodeResponse(ByteBufAllocator.DEFAULT, correlationId, api, version, body);
    }

    /** Takes the next response the client was sent, decodes it as an answer to {@code api} v{@code version}, and releases it. */
    static <T extends ApiMessage> T readResponse(EmbeddedChannel client, ApiKeys api, short version, Class<T> type) {
        ByteBuf frame = client.readOutbound();
        if (frame == null) {
            throw new AssertionError("the client was sent no response");
        }
        try {
            return type.cast(MessageCodec.decodeResponse(frame, api, version));
        } finally {
            frame.release();
        }
    }

    /** Correlation id of each response the client was sent so far, in order; releases them. */
    static List<Integer> correlationIdsSent(EmbeddedChannel client) {
        List<Integer> ids = new java.util.ArrayList<>();
        ByteBuf frame;
        while ((frame = client.readOutbound()) != null) {
            ids.add(frame.getInt(frame.readerIndex() + 4));
            frame.release();
        }
        return ids;
    }

    // ---- metrics ----------------------------------------------------------------------------

    /** How many times the proxy counted {@code error}. */
    double proxyErrors(ProxyError error) {
        Counter c = registry.find("cutover.proxy.errors").tag("code", error.name()).tag("origin", "proxy").counter();
        return c == null ? 0 : c.count();
    }
}
