package io.cutover.proxy.server.net;

import io.cutover.proxy.core.node.PortBinder;
import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.SniRouting;
import io.cutover.proxy.server.wire.Watermarks;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's listening sockets: the bootstrap port, and one port per broker, bound on demand when
 * the node registry first sees the broker. Binding happens before the metadata that names the port
 * leaves the proxy, so a client never races a port that is not listening yet. Under listener.tls.sni
 * the bootstrap port is the only one: it serves every broker, by TLS server name.
 */
public final class BrokerListeners implements PortBinder, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BrokerListeners.class);

    private final ProxyContext ctx;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final ConnectionCounts openConnections;
    private final Map<Integer, Channel> brokerPorts = new ConcurrentHashMap<>();
    private volatile Channel bootstrap;
    private volatile int advertisedBootstrapPort;
    private volatile boolean stopped;

    public BrokerListeners(ProxyContext ctx, EventLoopGroup acceptors, EventLoopGroup workers) {
        this.ctx = ctx;
        this.openConnections = new ConnectionCounts(ctx.config().limits().maxConnections(),
            ctx.config().limits().maxConnectionsPerAddress());
        this.acceptors = acceptors;
        this.workers = workers;
    }

    /** Binds the bootstrap listener; its connections go to the source cluster's bootstrap servers. */
    public InetSocketAddress bindBootstrap(String cluster) {
        BootstrapTarget target = new BootstrapTarget(ctx.config().clusters().get(cluster));
        ProxyConfig.Listener listener = ctx.config().listener();
        SniRouting sni = listener.sni();
        ServerBootstrap b = serverBootstrap(sni == null ? new ClientChannelInitializer(ctx, openConnections, () -> target, true)
            : ClientChannelInitializer.byServerName(ctx, openConnections, new ServerNames(sni, ctx.nodes(), target)));
        // Accepting starts once the advertised port is known: under SNI every answer naming a broker carries it.
        b.option(ChannelOption.AUTO_READ, false);
        Channel bound = b.bind(listener.bindHost(), listener.bindPort(listener.bootstrapPort())).syncUninterruptibly().channel();
        InetSocketAddress local = (InetSocketAddress) bound.localAddress();
        int advertised = listener.bootstrapPort() == 0 ? local.getPort() : listener.bootstrapPort();
        advertisedBootstrapPort = advertised;
        bootstrap = bound;
        bound.config().setAutoRead(true);
        if (sni == null) {
            LOG.info("bootstrap listener on {} (advertised as {}:{})", local, listener.advertisedHost(), local.getPort());
        } else {
            LOG.info("SNI listener on {} for the bootstrap and every broker: {}:{} bootstraps, brokers are {} on port {}; no broker port "
                + "is bound", local, sni.bootstrapHost(), advertised, sni.brokerHosts(), advertised);
        }
        return local;
    }

    @Override
    public boolean bind(int port, VirtualNode node) {
        if (brokerPorts.containsKey(port)) {
            return true;
        }
        if (ctx.config().listener().sni() != null) {
            // One port serves every broker, by server name: the registry's port is kept, never bound.
            return true;
        }
        if (stopped) {
            // Draining: the broker keeps its port (saved for the next start), but nothing listens
            // on it; clients reconnect to another proxy.
            return true;
        }
        ServerBootstrap b = serverBootstrap(new ClientChannelInitializer(ctx, openConnections,
            () -> new BrokerTarget(ctx.nodes(), node.id()), false));
        try {
            Channel ch = b.bind(ctx.config().listener().bindHost(), ctx.config().listener().bindPort(port)).syncUninterruptibly().channel();
            brokerPorts.put(port, ch);
            if (stopped) {
                ch.close();
            }
            LOG.info("listening on port {} for broker {} of {} (virtual node {}{})", ctx.config().listener().bindPort(port), node.upstreamId(),
                node.cluster(), node.id(), port == ctx.config().listener().bindPort(port) ? "" : ", advertised as port " + port);
            return true;
        } catch (Exception e) {
            // Exception, not RuntimeException: Netty rethrows the native transport's bind failure (an IOException) unchecked.
            LOG.warn("cannot bind port {} for broker {} of {}: {}; trying another port", port, node.upstreamId(), node.cluster(),
                e.toString());
            return false;
        }
    }

    private ServerBootstrap serverBootstrap(ClientChannelInitializer initializer) {
        return new ServerBootstrap()
            .group(acceptors, workers)
            .channel(ctx.transport().serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Watermarks.DEFAULT)
            .childHandler(initializer);
    }

    /** The bootstrap port as clients are told it: its configured number, or the port bound for 0; 0 before it is bound. */
    public int advertisedBootstrapPort() {
        return advertisedBootstrapPort;
    }

    public int openConnections() {
        return openConnections.total();
    }

    /** True while the bootstrap listener accepts connections (from the start until {@link #stopAccepting}). */
    public boolean listening() {
        Channel b = bootstrap;
        return !stopped && b != null && b.isActive();
    }

    /**
     * Closes every listening socket, so new connections are refused by the operating system (and a
     * load balancer's TCP check fails); open connections are left alone. Ports of brokers seen from
     * now on are not bound.
     */
    public void stopAccepting() {
        stopped = true;
        Channel b = bootstrap;
        // Not waited for: this may run on an event loop.
        if (b != null) {
            b.close();
        }
        brokerPorts.values().forEach(Channel::close);
        LOG.info("listeners closed: new connections are refused");
    }

    @Override
    public void close() {
        if (bootstrap != null) {
            bootstrap.close().syncUninterruptibly();
        }
        brokerPorts.values().forEach(ch -> ch.close().syncUninterruptibly());
        brokerPorts.clear();
    }
}
