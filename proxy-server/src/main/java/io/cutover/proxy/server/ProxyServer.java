package io.cutover.proxy.server;

import io.cutover.proxy.admin.AdminAuth;
import io.cutover.proxy.admin.AdminRouter;
import io.cutover.proxy.admin.AdminServer;
import io.cutover.proxy.core.state.AuditLog;
import io.cutover.proxy.admin.CapturesApi;
import io.cutover.proxy.admin.ClientsApi;
import io.cutover.proxy.admin.HistoryApi;
import io.cutover.proxy.core.history.TrafficHistory;
import io.cutover.proxy.server.metrics.HistorySampler;
import io.cutover.proxy.admin.OpenApiRoute;
import io.cutover.proxy.core.inventory.ClientInventory;
import io.cutover.proxy.admin.WavesApi;
import io.cutover.proxy.core.wave.FileSwitchJournal;
import io.cutover.proxy.core.wave.FileWaveStore;
import io.cutover.proxy.core.wave.OffsetMapping;
import io.cutover.proxy.server.net.LiveConnections;
import io.cutover.proxy.server.net.UncertainWrites;
import io.cutover.proxy.server.wave.ClientObservations;
import io.cutover.proxy.server.wave.ClusterAdmins;
import io.cutover.proxy.server.wave.Fences;
import io.cutover.proxy.server.wave.OffsetSyncReader;
import io.cutover.proxy.server.route.FlipReaders;
import io.cutover.proxy.server.route.ReaderCheck;
import io.cutover.proxy.server.route.RouteChanges;
import io.cutover.proxy.server.wave.SwitchRecovery;
import io.cutover.proxy.server.wave.OrphanedSwitches;
import io.cutover.proxy.server.wave.TargetPrincipal;
import io.cutover.proxy.server.wave.WaveController;
import io.cutover.proxy.server.wave.WaveGates;
import io.cutover.proxy.server.wave.WaveRehearsal;
import io.cutover.proxy.server.wave.WaveSwitcher;
import io.cutover.proxy.core.capture.CaptureFilter;
import io.cutover.proxy.core.capture.CaptureHub;
import io.cutover.proxy.core.capture.CaptureSpec;
import io.cutover.proxy.admin.FleetApi;
import io.cutover.proxy.admin.DrainApi;
import io.cutover.proxy.admin.HealthRoute;
import io.cutover.proxy.server.fleet.ProxyDrain;
import io.cutover.proxy.server.fleet.Readiness;
import io.cutover.proxy.server.net.ConnectionDrain;
import io.cutover.proxy.admin.MetricsRoute;
import io.cutover.proxy.admin.RoutesApi;
import io.cutover.proxy.admin.UiRoute;
import io.cutover.proxy.core.node.NodeIdSpace;
import io.cutover.proxy.core.node.NodeRegistry;
import io.cutover.proxy.core.node.PortRange;
import io.cutover.proxy.core.node.AdvertisedAddresses;
import io.cutover.proxy.core.rewrite.ClusterNodeMapper;
import io.cutover.proxy.core.routing.data.ResponseRewriting;
import io.cutover.proxy.core.rewrite.RewriteContext;
import io.cutover.proxy.core.routing.Routes;
import io.cutover.proxy.core.routing.RoutingContext;
import io.cutover.proxy.core.state.FileNodePortStore;
import io.cutover.proxy.core.state.FileProducerIdStore;
import io.cutover.proxy.core.state.FileRouteStore;
import io.cutover.proxy.core.state.VirtualClusterId;
import io.cutover.proxy.core.virtual.FirstSequences;
import io.cutover.proxy.core.virtual.ProducerIdStore;
import io.cutover.proxy.core.virtual.TopicIds;
import io.cutover.proxy.server.admin.AdminTokens;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.config.IdentityMode;
import io.cutover.proxy.server.config.ProxyConfig;
import io.cutover.proxy.server.config.SniRouting;
import io.cutover.proxy.server.fleet.FleetAuditTopic;
import io.cutover.proxy.server.fleet.FleetClusterId;
import io.cutover.proxy.server.fleet.FleetConsumerFacts;
import io.cutover.proxy.server.fleet.FleetSwitchJournal;
import io.cutover.proxy.server.fleet.FleetProducerIdStore;
import io.cutover.proxy.server.fleet.FleetMembership;
import io.cutover.proxy.server.fleet.FleetNodePortStore;
import io.cutover.proxy.server.fleet.FleetRouteStore;
import io.cutover.proxy.server.fleet.FleetState;
import io.cutover.proxy.server.fleet.FleetWaveStore;
import io.cutover.proxy.server.fleet.StateFenceBoard;
import io.cutover.proxy.core.wave.WaveStore;
import io.cutover.proxy.server.wave.BoardPeerFences;
import io.cutover.proxy.server.wave.FenceBoard;
import io.cutover.proxy.server.wave.FirstSequenceWitness;
import io.cutover.proxy.server.wave.PeerFenceFollower;
import io.cutover.proxy.server.wave.LeaseHold;
import io.cutover.proxy.server.discovery.ClusterDiscovery;
import io.cutover.proxy.server.metrics.ProxyMetrics;
import io.cutover.proxy.server.metrics.TlsEngineGauges;
import io.cutover.proxy.server.net.BrokerListeners;
import io.cutover.proxy.server.net.ProxyContext;
import io.cutover.proxy.core.log.RateLimitedLog;
import io.cutover.proxy.server.wire.Transport;
import io.cutover.proxy.server.route.ControlPlaneAnswers;
import io.cutover.proxy.server.route.RoutingState;
import io.cutover.proxy.server.route.TopicIdRefresher;
import io.cutover.proxy.server.route.TransactionBoundaryGuard;
import io.cutover.proxy.server.security.ClusterSockets;
import io.cutover.proxy.server.security.ListenerTls;
import io.cutover.proxy.server.upstream.ClusterLink;
import io.cutover.proxy.server.upstream.KnownApiVersions;
import io.cutover.proxy.core.state.FileApiVersionsStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: listeners, upstream discovery and the admin endpoint, wired from one config.
 * Close it to stop everything it started.
 */
public final class ProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final EventLoopGroup adminLoop;
    private final PrometheusMeterRegistry registry;
    private final ProxyMetrics metrics;
    private final NodeRegistry nodes;
    private final BrokerListeners listeners;
    private final Map<String, ClusterDiscovery> discovery = new LinkedHashMap<>();
    private final AdminServer admin;
    private final InetSocketAddress bootstrapBound;
    private final RoutingState routing;
    private final Map<String, String> adminTokens;
    private final AdminRouter adminRouter;
    private TopicIdRefresher topicIdRefresher;
    private CaptureHub captures;
    private LiveConnections connections;
    private Fences fences;
    private ClientObservations observations;
    private ClientInventory inventory;
    private ClusterAdmins clusterAdmins;
    private OffsetSyncReader offsetSyncs;
    private WavesApi wavesApi;
    private WaveController waves;
    private TrafficHistory history;
    private HistorySampler sampler;
    private TransactionBoundaryGuard transactionGuard;
    private java.util.concurrent.ExecutorService routeChecks;
    private final FileProducerIdStore producerIds;
    private final FleetState fleet;
    private final FleetAuditTopic auditTopic;
    private final WaveStore waveStore;
    private PeerFenceFollower peerFences;
    private LeaseHold leaseHold;
    private OrphanedSwitches orphanedSwitches;
    private FleetMembership membership;
    private FleetConsumerFacts consumerFacts;
    private ProxyDrain drain;
    private Readiness readiness;

    private ProxyServer(ProxyConfig config) {
        this.config = config;
        // State first: a corrupt state file stops the start before any thread or socket exists.
        Map<String, Integer> offsets = new LinkedHashMap<>();
        config.clusters().values().forEach(c -> offsets.put(c.name(), c.nodeIdOffset()));
        // A first OAUTHBEARER token before any link logs in, so the first ones need not fail for want of one.
        config.clusters().values().forEach(c -> c.security().fetchFirstToken());
        // A fleet reads its shared state before anything else starts: a cold instance serves what the others serve.
        this.fleet = config.fleet().enabled() ? FleetState.start(config.fleet(), config.clusters().get(config.fleet().stateCluster()))
            : null;
        this.auditTopic = fleet == null ? null : startAuditTopic();
        PortRange brokerPorts = config.listener().brokerPorts();
        this.nodes = new NodeRegistry(new NodeIdSpace(offsets), brokerPorts, fleet == null ? new FileNodePortStore(config.stateDir())
            : new FleetNodePortStore(fleet, brokerPorts.first(), brokerPorts.last()));
        List<String> clusterNames = new ArrayList<>(config.clusters().keySet());
        boolean virtualize = config.twoClusters();
        String clusterId = !virtualize ? null
            : fleet != null ? FleetClusterId.loadOrCreate(fleet) : VirtualClusterId.loadOrCreate(config.stateDir());
        FleetRouteStore fleetRoutes = fleet == null ? null : new FleetRouteStore(fleet);
        Routes routes = new Routes(fleetRoutes != null ? fleetRoutes : new FileRouteStore(config.stateDir()), clusterNames);
        if (fleetRoutes != null) {
            fleetRoutes.follow(routes);
        }
        AuditLog audit = new AuditLog(config.stateDir(), Clock.systemUTC(), auditTopic == null ? List.of() : List.of(auditTopic));
        this.waveStore = fleet == null ? new FileWaveStore(config.stateDir()) : new FleetWaveStore(fleet);
        if (virtualize) {
            // A switch cut short by a crash is settled before any client connects (in a fleet, by the instance that ran it).
            SwitchRecovery.reconcile(switchJournal(), waveStore, routes, audit, Clock.systemUTC());
        }
        // Producer ids are mapped only between two clusters; the journal is read and compacted here.
        this.producerIds = virtualize && fleet == null
            ? new FileProducerIdStore(config.stateDir(), RoutingState.PRODUCER_ID_RETENTION, Clock.systemUTC()) : null;
        // In a fleet the mappings are every instance's, so a producer that reconnects elsewhere keeps its real ids.
        FleetProducerIdStore fleetProducerIds = virtualize && fleet != null
            ? new FleetProducerIdStore(fleet, FleetProducerIdStore.EVENT_LOOP_WAIT) : null;
        this.adminTokens = AdminTokens.resolve(config.admin().tokens(), config.stateDir());

        Transport transport = Transport.best();
        this.acceptors = transport.newGroup(1);
        this.workers = transport.newGroup(Runtime.getRuntime().availableProcessors());
        this.adminLoop = transport.newGroup(1);
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try {
            new JvmMemoryMetrics().bindTo(registry);
            this.metrics = new ProxyMetrics(registry);
            TlsEngineGauges.register(registry, config);
            Map<String, ClusterNodeMapper> mappers = new LinkedHashMap<>();
            AdvertisedAddresses advertised = advertisedAddresses(config.listener());
            config.clusters().keySet().forEach(name -> mappers.put(name, new ClusterNodeMapper(nodes, name, advertised)));
            TopicIds topicIds = new TopicIds();
            Map<String, RewriteContext> rewrites = new LinkedHashMap<>();
            mappers.forEach((name, mapper) ->
                rewrites.put(name, new RewriteContext(name, mapper, metrics.upstreamErrorCounter(), topicIds, virtualize)));
            Map<String, ClusterLink> links = new LinkedHashMap<>();
            for (ClusterConfig c : config.clusters().values()) {
                links.put(c.name(), new ClusterLink(c, workers, transport, config.limits().maxResponseFrameBytes(),
                    config.limits().upstreamConnectTimeout(), config.limits().upstreamRequestTimeout()));
            }
            KnownApiVersions knownApiVersions = new KnownApiVersions(new FileApiVersionsStore(config.stateDir()));
            links.values().forEach(l -> l.onApiVersions(v -> knownApiVersions.learnt(l.cluster(), v)));
            this.routing = new RoutingState(routes, links,
                new RoutingContext(clusterNames, Map.copyOf(rewrites), topicIds, virtualize, clusterId), ProxyConfig.SOURCE,
                producerIds != null ? producerIds : fleetProducerIds != null ? fleetProducerIds : ProducerIdStore.none());
            if (fleetProducerIds != null) {
                fleetProducerIds.follow(r -> {
                    routing.producers().adopt(r);
                    routing.transactionalProducers().adoptSaved(r);
                });
            }
            routing.start(config.discovery().startupWait());
            if (virtualize) {
                this.topicIdRefresher = new TopicIdRefresher(links, topicIds, config.discovery().interval());
                topicIdRefresher.start();
            }
            Gauge.builder("cutover.proxy.host.lookups.pending", transport, Transport::hostLookupsPending)
                .description("Broker host names being looked up, or waiting for a lookup thread (a slow DNS server shows here)")
                .register(registry);
            Gauge.builder("cutover.proxy.routes.version", routes, r -> r.current().version())
                .description("Version of the live route table").register(registry);
            countFlips(routes);

            this.connections = new LiveConnections(new UncertainWrites(config.waves().unknownOutcomeWindow(), LiveConnections.UNCERTAIN_TOPICS));
            this.fences = new Fences();
            this.observations = new ClientObservations();
            this.history = new TrafficHistory(TrafficHistory.DEFAULT_CAPACITY, config.history().sampleInterval(), Instant.now());
            this.inventory = new ClientInventory(config.inventory().maxClients(), config.inventory().retention(), Clock.systemUTC(),
                config.stateDir());
            Gauge.builder("cutover.proxy.clients.known", inventory, ClientInventory::size)
                .description("Clients in the inventory (GET /clients)").register(registry);
            this.captures = new CaptureHub(config.stateDir().resolve("captures"), config.capture().queueBytes(), Clock.systemUTC());
            FunctionCounter.builder("cutover.proxy.capture.frames", captures, CaptureHub::framesWritten).tag("outcome", "written")
                .description("Frames written to capture files").register(registry);
            FunctionCounter.builder("cutover.proxy.capture.frames", captures, CaptureHub::framesDropped).tag("outcome", "dropped")
                .description("Frames a capture dropped: its writer was behind by more than capture.queue-bytes, or a bound was reached")
                .register(registry);
            Gauge.builder("cutover.proxy.capture.active", captures, h -> h.active() == null ? 0 : 1)
                .description("1 while a capture runs").register(registry);
            ProxyContext ctx = new ProxyContext(config, metrics, nodes, Map.copyOf(mappers), new ResponseRewriting(), transport,
                new io.cutover.proxy.server.upstream.UpstreamConnector(transport, config.limits().upstreamConnectTimeout()),
                new RateLimitedLog(LoggerFactory.getLogger("io.cutover.proxy.connections"), 20), routing,
                new ControlPlaneAnswers(routing, knownApiVersions, clientsAsThemselves(config)), captures, connections, fences, observations, inventory,
                new io.cutover.proxy.server.net.RequestMemory(config.limits().requestMemoryBytes(), config.limits().requestFrameTimeout(),
                    metrics),
                new io.cutover.proxy.server.net.ResponseMemory(config.limits().responseMemoryBytes(), config.limits().responseReadTimeout(),
                    metrics));

            this.listeners = new BrokerListeners(ctx, acceptors, workers);
            nodes.start(listeners);
            for (ClusterConfig c : config.clusters().values()) {
                discovery.put(c.name(), new ClusterDiscovery(c, nodes, config.discovery().interval(), config.discovery().staleAfter()));
            }
            for (ClusterLink link : links.values()) {
                ClusterDiscovery d = discovery.get(link.cluster());
                link.onReachability(reachable -> {
                    if (reachable) {
                        d.discoverSoon();
                    }
                });
                link.startProbing(config.discovery().probeInterval());
            }
            discovery.values().forEach(d -> d.start(config.discovery().startupWait()));
            this.bootstrapBound = listeners.bindBootstrap(ProxyConfig.SOURCE);

            this.drain = new ProxyDrain(listeners, new ConnectionDrain(connections), config.fleet().drainPeriod(), adminLoop,
                Clock.systemUTC());
            Gauge.builder("cutover.proxy.draining", drain, d -> d.draining() ? 1 : 0)
                .description("1 from the moment the proxy drains (POST /drain, SIGTERM) until it exits").register(registry);
            FunctionCounter.builder("cutover.proxy.drain.connections.closed", drain, d -> d.status().connectionsClosed())
                .description("Client connections the drain closed, each once its requests were answered").register(registry);
            this.readiness = new Readiness(listeners::listening, drain::draining, this::health);

            AdminAuth auth = new AdminAuth(adminTokens);
            AdminRouter router = new AdminRouter(auth)
                .publicGet("/metrics", new MetricsRoute(registry::scrape))
                .publicGet("/health", new HealthRoute(this::health))
                .publicGet("/health/live", new HealthRoute(this::liveness))
                .publicGet("/health/ready", new HealthRoute(readiness::check))
                .publicGet("/openapi.json", new OpenApiRoute());
            new UiRoute().register(router);
            this.adminRouter = router;
            this.transactionGuard = new TransactionBoundaryGuard(routing.openTransactions(), config.routing().transactionWait());
            ReaderCheck readers = ReaderCheck.NONE;
            if (config.twoClusters()) {
                this.clusterAdmins = new ClusterAdmins(config.clusters().values(), config.waves().adminTimeout());
                this.routeChecks = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "cutover-route-checks");
                    t.setDaemon(true);
                    return t;
                });
                readers = new FlipReaders(clusterAdmins, inventory, routeChecks);
            }
            new RoutesApi(new RouteChanges(routes, audit, transactionGuard, readers)).register(router, auth);
            new CapturesApi(captures, audit, config.capture().maxBytes(), config.capture().maxDuration(), Clock.systemUTC())
                .register(router, auth);
            startCaptureOnBoot(config.capture().onStart());
            registerWaves(router, auth, audit, routes, topicIds);
            new ClientsApi(inventory).register(router, auth);
            new HistoryApi(history).register(router, auth);
            new FleetApi(this::fleetView).register(router, auth);
            new DrainApi(drainer(audit)).register(router, auth);
            this.sampler = new HistorySampler(registry, () -> waves == null ? List.of() : waves.list(), history, Clock.systemUTC()).start();
            for (ListenerTls tls : new ListenerTls[] {config.listener().tls(), config.admin().tls()}) {
                if (tls != null) {
                    // File reads and context builds stay off the Kafka event loops.
                    long check = tls.config().reloadInterval().toMillis();
                    adminLoop.scheduleWithFixedDelay(tls::reloadIfChanged, check, check, TimeUnit.MILLISECONDS);
                }
            }
            long every = config.inventory().saveInterval().toMillis();
            adminLoop.scheduleAtFixedRate(this::saveInventory, every, every, TimeUnit.MILLISECONDS);
            if (virtualize) {
                // Off the Kafka event loops: it may write (and force) "seen" records to the producer id journal.
                long upkeep = RoutingState.PRODUCER_ID_MAINTENANCE_INTERVAL.toMillis();
                adminLoop.scheduleWithFixedDelay(routing::maintainProducerIds, upkeep, upkeep, TimeUnit.MILLISECONDS);
            }
            ListenerTls adminTls = config.admin().tls();
            this.admin = AdminServer.start(config.admin().bindHost(), config.admin().port(), router, adminLoop, transport.serverChannel(),
                adminTls == null ? null : adminTls::newHandler);
            LOG.info("admin endpoint on {}/ ({} transport)", adminUri(), transport.name());
            if (fleet != null) {
                this.membership = new FleetMembership(fleet, config.fleet().heartbeatInterval(), this::describeSelf, Clock.systemUTC());
                membership.start();
            }
        } catch (RuntimeException e) {
            // A port in use and the like: stop what already started, so nothing lingers.
            discovery.values().forEach(ClusterDiscovery::close);
            if (topicIdRefresher != null) {
                topicIdRefresher.close();
            }
            if (sampler != null) {
                sampler.close();
            }
            shutdownLoops();
            if (captures != null) {
                captures.close();
            }
            if (producerIds != null) {
                producerIds.close();
            }
            if (auditTopic != null) {
                auditTopic.close();
            }
            if (fleet != null) {
                fleet.close();
            }
            config.clusters().values().forEach(c -> c.security().close());
            throw e;
        }
    }

    /** The fleet's audit trail beside its state; a refused or unreachable topic stops the start, leaving nothing open. */
    private FleetAuditTopic startAuditTopic() {
        try {
            return FleetAuditTopic.start(config.fleet(), config.clusters().get(config.fleet().stateCluster()));
        } catch (RuntimeException e) {
            fleet.close();
            throw e;
        }
    }

    private void startCaptureOnBoot(ProxyConfig.OnStart onStart) {
        if (onStart == null) {
            return;
        }
        String name = onStart.name() + "-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
        try {
            var spec = new CaptureSpec(name, new CaptureFilter(new java.util.LinkedHashSet<>(onStart.listeners()),
                onStart.clientIdPrefix(), new java.util.LinkedHashSet<>(onStart.topics())),
                config.capture().maxBytes(), config.capture().maxDuration());
            var c = captures.start(spec);
            LOG.info("capture {} started with the proxy, writing {}", name, c.file());
        } catch (IllegalArgumentException e) {
            throw new io.cutover.proxy.server.config.ConfigError("cutover-proxy.capture.on-start: " + e.getMessage());
        }
    }

    private void saveInventory() {
        try {
            inventory.save();
        } catch (RuntimeException e) {
            LOG.warn("cannot write the client inventory to {}: {}", config.stateDir(), e.toString());
        }
    }

    /** Where this instance journals its switches: its state directory, or the fleet's state topic. */
    private io.cutover.proxy.core.wave.SwitchJournalStore switchJournal() {
        return fleet == null ? new FileSwitchJournal(config.stateDir())
            : new FleetSwitchJournal(fleet, fleet.instanceId(), config.fleet().timeout());
    }

    /** The fence a wave switch raises and the rejoin gate it leaves (tests watch a switch's held requests here). */
    public Fences fences() {
        return fences;
    }

    public ClientInventory inventory() {
        return inventory;
    }

    /** Waves need both clusters; with one, /waves says so. */
    private void registerWaves(AdminRouter router, AdminAuth auth, AuditLog audit, Routes routes, TopicIds topicIds) {
        if (!config.twoClusters()) {
            io.cutover.proxy.admin.AdminRoute none = req -> java.util.concurrent.CompletableFuture.completedFuture(
                io.cutover.proxy.admin.AdminResponse.error(409, "waves move clients to a target cluster; configure clusters.target"));
            router.get("/waves", none).post("/waves", none);
            return;
        }
        ProxyConfig.Waves w = config.waves();
        OffsetMapping mapping = OffsetMapping.parse(w.mapping());
        if (mapping == OffsetMapping.MIRRORMAKER2) {
            ClusterConfig syncs = config.clusters().get(w.offsetSyncsCluster());
            this.offsetSyncs = new OffsetSyncReader(syncs.bootstrapServersString(), syncs.security().clientProperties(),
                w.offsetSyncsTopic());
            Gauge.builder("cutover.proxy.offset.syncs.partitions", offsetSyncs, OffsetSyncReader::partitionsKept)
                .description("Partitions whose MirrorMaker 2 offset syncs the proxy keeps: those of waves not yet promoted")
                .register(registry);
        }
        WaveGates gates = new WaveGates(clusterAdmins, mapping, offsetSyncs, observations, routing.openTransactions(),
            routing.link(ProxyConfig.TARGET), w.maxReadyLag(), inventory,
            TargetPrincipal.of(config.clusters().get(ProxyConfig.TARGET).security().config()),
            TargetPrincipal.of(config.clusters().get(ProxyConfig.SOURCE).security().config()));
        WaveSwitcher switcher = new WaveSwitcher(routes, transactionGuard, fences, connections, topicIds, clusterAdmins, mapping,
            offsetSyncs, w.reverseMapping().equals("identity"), w.fenceTimeout(), w.fenceMaxBytes(), inventory,
            routing.openTransactions()::isOpen);
        switcher.learnTransactionsFrom(routing.openTransactions());
        if (config.twoClusters()) {
            switcher.readFirstSequencesInto(routing.producers());
            if (fleet != null) {
                // A producer's batches of one partition can reach the cluster joined through any
                // instance: the one whose expectation another instance met asks the cluster, and lets go.
                FirstSequenceWitness witness = new FirstSequenceWitness(clusterAdmins, routing.producers());
                routing.producers().firstSequences().witnessedBy(witness);
                FunctionCounter.builder("cutover.proxy.first.sequences.met.elsewhere", witness, FirstSequenceWitness::satisfiedCount)
                    .description("Producers' first-batch expectations let go because the cluster joined already held the producer's "
                        + "state (another instance of the fleet passed the first batch)")
                    .register(registry);
            }
            Gauge.builder("cutover.proxy.first.sequences.waiting", routing.producers().firstSequences(), FirstSequences::size)
                .description("Partitions of producers whose first batch on the cluster a switch moved them to has not come yet")
                .register(registry);
        }
        this.waves = new WaveController(waveStore, switchJournal(), audit, Clock.systemUTC(), routes, gates,
            switcher, registry);
        if (waveStore instanceof FleetWaveStore shared) {
            // Waves saved through any instance are every instance's; a switch fences every instance before it flips.
            shared.follow(waves::adopt);
            FenceBoard board = new StateFenceBoard(fleet, config.fleet().heartbeatInterval());
            BoardPeerFences peers = new BoardPeerFences(board);
            peers.readSequencesWith(switcher::settledFirstSequences);
            peers.settleLeftover(waves::wave, routes.current(), w.fenceTimeout());
            // A switch whose instance died during it and stays down is settled by the others.
            this.orphanedSwitches = new OrphanedSwitches(
                () -> FleetSwitchJournal.orphans(fleet, config.fleet().heartbeatInterval(), System.currentTimeMillis()),
                // A store of its own: what it settles is then read back by this instance's waves like any other write.
                instance -> new FleetSwitchJournal(fleet, instance, config.fleet().timeout()), new FleetWaveStore(fleet), routes, audit,
                Clock.systemUTC(), peers, waves::wave, config.fleet().heartbeatInterval());
            orphanedSwitches.start();
            switcher.coordinateWith(peers);
            this.consumerFacts = new FleetConsumerFacts(fleet, () -> inventory.sharedConsumerFacts(fleet.instanceId()),
                config.fleet().heartbeatInterval(), Clock.systemUTC());
            consumerFacts.start();
            gates.consumersFrom(consumerFacts::fleetWide);
            this.peerFences = switcher.follower(board, waves::wave, board.lease());
            peerFences.start();
            this.leaseHold = new LeaseHold(fences, fleet::lastOwnWriteReadBackAt, board.lease(), waves::list, w.fenceMaxBytes());
            leaseHold.start();
            Gauge.builder("cutover.proxy.fleet.lease.holding", leaseHold, l -> l.holding() ? 1 : 0)
                .description("1 while this instance holds the writes of the waves that may switch: its heartbeats have not reached "
                    + "the fleet's state topic within its lease")
                .register(registry);
        }
        if (offsetSyncs != null) {
            waves.followTopics(offsetSyncs::follow);
        }
        waves.reportsFrom(inventory, history);
        ClusterConfig rehearsedTarget = config.clusters().get(ProxyConfig.TARGET);
        waves.rehearsals(new WaveRehearsal(captures, inventory, config.source().bootstrapServers().get(0),
            rehearsedTarget.bootstrapServers().get(0), rehearsalSockets(config.source()), rehearsalSockets(rehearsedTarget)));
        this.wavesApi = new WavesApi(waves);
        wavesApi.register(router, auth);
    }

    /** Rehearsals reach {@code cluster} with its TLS and SASL, on the JDK's engine (their sockets are blocking ones). */
    private static ClusterSockets rehearsalSockets(ClusterConfig cluster) {
        try {
            return ClusterSockets.of(cluster.security());
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            // The same files were read a moment ago for the cluster's own connections.
            throw new IllegalStateException("cluster " + cluster.security().cluster() + ": cannot read its TLS settings again for wave "
                + "rehearsals: " + e.getMessage(), e);
        }
    }

    /** The waves' state machine (null with one cluster). */
    public WaveController waves() {
        return waves;
    }

    public CaptureHub captures() {
        return captures;
    }

    private void countFlips(Routes routes) {
        java.util.concurrent.atomic.AtomicReference<io.cutover.proxy.core.routing.RouteTable> previous =
            new java.util.concurrent.atomic.AtomicReference<>(routes.current());
        routes.onChange(next -> {
            io.cutover.proxy.core.routing.RouteTable before = previous.getAndSet(next);
            for (io.cutover.proxy.core.routing.RouteRule rule : next.rules()) {
                io.cutover.proxy.core.routing.RouteRule old = before.rule(rule.key());
                if (old == null ? !rule.cluster().equals(before.defaultCluster()) : !old.cluster().equals(rule.cluster())) {
                    metrics.routeFlip(rule.key(), rule.cluster());
                }
            }
            for (io.cutover.proxy.core.routing.RouteRule old : before.rules()) {
                if (next.rule(old.key()) == null && !old.cluster().equals(next.defaultCluster())) {
                    metrics.routeFlip(old.key(), next.defaultCluster());
                }
            }
        });
    }

    /** Starts a proxy; returns once its listeners accept connections. */
    public static ProxyServer start(ProxyConfig config) {
        return new ProxyServer(config);
    }

    /**
     * UP when every cluster is reachable; DEGRADED (still 200) when some are, since the reachable
     * cluster's clients are served and a load balancer must not pull the proxy because the other
     * cluster is down; DOWN (503) when none is. A cluster is unreachable as soon as the control link's
     * last request or probe failed, or when discovery failed or went stale.
     */
    private HealthRoute.Health health() {
        Map<String, Object> clusters = new LinkedHashMap<>();
        int up = 0;
        for (Map.Entry<String, ClusterDiscovery> e : discovery.entrySet()) {
            ClusterLink link = routing.link(e.getKey());
            Map<String, Object> found = e.getValue().status();
            Map<String, Object> linked = link.status();
            boolean reachable = e.getValue().reachable() && !link.knownUnreachable();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("status", reachable ? "UP" : "DOWN");
            c.put("reachable", reachable);
            c.put("bootstrapServers", found.get("bootstrapServers"));
            c.put("brokers", found.get("brokers"));
            c.put("lastContactMillisAgo", found.get("lastContactMillisAgo"));
            c.put("lastLinkAnswerMillisAgo", linked.get("lastAnswerMillisAgo"));
            Object error = link.knownUnreachable() ? linked.get("error") : found.get("error");
            c.put("error", reachable ? null : error == null ? "no broker discovery answer for " + config.discovery().staleAfter() : error);
            clusters.put(e.getKey(), c);
            up += reachable ? 1 : 0;
        }
        String status = up == clusters.size() ? "UP" : up == 0 ? "DOWN" : "DEGRADED";
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("status", status);
        details.put("clusters", clusters);
        return new HealthRoute.Health(up > 0, details);
    }

    /** This instance as the fleet sees it (GET /fleet, its heartbeat). */
    private com.fasterxml.jackson.databind.node.ObjectNode describeSelf() {
        com.fasterxml.jackson.databind.node.ObjectNode me = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        me.put("id", fleet == null ? "this" : fleet.instanceId());
        me.put("bootstrap", bootstrapServers());
        me.put("admin", adminUri().toString());
        me.put("version", ProxyServer.class.getPackage().getImplementationVersion() == null ? "dev"
            : ProxyServer.class.getPackage().getImplementationVersion());
        // ready, degraded, draining, starting or down: what GET /health/ready says
        me.put("state", String.valueOf(readiness.check().details().get("status")));
        me.put("routesVersion", routing.routes().current().version());
        me.put("connections", connections.size());
        return me;
    }

    private com.fasterxml.jackson.databind.JsonNode fleetView() {
        if (membership != null) {
            return membership.members();
        }
        com.fasterxml.jackson.databind.node.ObjectNode single = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        single.put("instance", "this");
        single.put("enabled", false);
        single.putArray("instances").add(describeSelf().put("live", true));
        single.put("live", 1);
        return single;
    }

    /**
     * GET /health/live: 200 while the proxy's event loops run, whatever the clusters do; a process
     * that answers but whose loops stopped is to be restarted.
     */
    private HealthRoute.Health liveness() {
        boolean live = !acceptors.isShuttingDown() && !workers.isShuttingDown();
        return new HealthRoute.Health(live, Map.of("status", live ? "live" : "stopping"));
    }

    /** POST /drain: begins the drain (audited with who asked), and shows it. */
    private DrainApi.Drainer drainer(AuditLog audit) {
        return new DrainApi.Drainer() {
            @Override
            public boolean begin(String who) {
                if (!drain("POST /drain by " + who)) {
                    return false;
                }
                audit.record(who, "drain", null, new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(status()));
                return true;
            }

            @Override
            public Map<String, Object> status() {
                ProxyDrain.Status d = drain.status();
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", d.drained() ? "drained" : d.draining() ? "draining" : "serving");
                body.put("reason", d.started() == null ? null : d.started().reason());
                body.put("startedAt", d.started() == null ? null : d.started().at().toString());
                body.put("drainPeriodSeconds", d.period().toMillis() / 1000.0);
                body.put("connectionsOpen", d.connectionsOpen());
                body.put("connectionsClosed", d.connectionsClosed());
                return body;
            }
        };
    }

    /**
     * Begins the drain (POST /drain, SIGTERM): not ready from now on, listeners closed, client
     * connections closed over fleet.drain-period once their requests are answered; then the action
     * given to {@link #onDrained} runs. False when a drain is already under way.
     */
    public boolean drain(String reason) {
        return drain.begin(reason);
    }

    /** What runs once a drain is over, on a thread of its own; the command line exits 0 there. Nothing by default. */
    public void onDrained(Runnable action) {
        drain.onDrained(action);
    }

    /** Completes when a drain is over: every client connection closed, or the period and grace passed. */
    public java.util.concurrent.CompletableFuture<Void> drained() {
        return drain.drained();
    }

    /** Writes whose outcome is unknown: sent through a connection that closed before their answer, or timed out. */
    public UncertainWrites uncertainWrites() {
        return connections.uncertain();
    }

    /** The connections a drain has closed so far. */
    public long connectionsClosedByDrain() {
        return drain.status().connectionsClosed();
    }

    /** The clusters that clients reach as themselves (identity mapped or passthrough over SASL), not as the proxy. */
    private static Set<String> clientsAsThemselves(ProxyConfig config) {
        Set<String> own = new HashSet<>();
        config.clusters().forEach((name, cluster) -> {
            if (cluster.security().config().usesSasl() && cluster.security().identity() != IdentityMode.SERVICE) {
                own.add(name);
            }
        });
        return own;
    }

    /** The address clients bootstrap from: advertised host (under SNI the bootstrap's name), bound port. */
    public String bootstrapServers() {
        SniRouting sni = config.listener().sni();
        return (sni == null ? config.listener().advertisedHost() : sni.bootstrapHost()) + ":" + bootstrapBound.getPort();
    }

    /**
     * A port per broker on listener.advertised-host, or under listener.tls.sni each broker's name on
     * the bootstrap port (with bootstrap-port 0 the port bound, known before the listener accepts).
     */
    private AdvertisedAddresses advertisedAddresses(ProxyConfig.Listener listener) {
        if (listener.sni() == null) {
            return AdvertisedAddresses.portPerBroker(listener.advertisedHost());
        }
        return AdvertisedAddresses.byServerName(listener.sni().brokerHosts(), () -> listeners.advertisedBootstrapPort());
    }

    public URI adminUri() {
        return URI.create((config.admin().tls() == null ? "http://" : "https://") + config.admin().bindHost() + ":" + admin.address().getPort());
    }

    public RoutingState routing() {
        return routing;
    }

    /** What the admin endpoint serves, as "METHOD /template"; the OpenAPI conformance test compares it with the spec. */
    public List<String> adminRoutes() {
        return adminRouter.routes();
    }

    /** The admin tokens in force, by name (configured, or the one made for loopback use). */
    public Map<String, String> adminTokens() {
        return adminTokens;
    }

    public NodeRegistry nodes() {
        return nodes;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    public ProxyConfig config() {
        return config;
    }

    @Override
    public void close() {
        discovery.values().forEach(ClusterDiscovery::close);
        if (topicIdRefresher != null) {
            topicIdRefresher.close();
        }
        routing.links().values().forEach(ClusterLink::close);
        if (transactionGuard != null) {
            transactionGuard.close();
        }
        admin.close();
        sampler.close();
        saveInventory();
        if (wavesApi != null) {
            wavesApi.close();
        }
        if (offsetSyncs != null) {
            offsetSyncs.close();
        }
        if (routeChecks != null) {
            routeChecks.shutdownNow();
        }
        if (clusterAdmins != null) {
            clusterAdmins.close();
        }
        listeners.close();
        shutdownLoops();
        captures.close();
        if (producerIds != null) {
            producerIds.close();
        }
        if (orphanedSwitches != null) {
            orphanedSwitches.close();
        }
        if (leaseHold != null) {
            leaseHold.close();
        }
        if (consumerFacts != null) {
            consumerFacts.close();
        }
        if (peerFences != null) {
            peerFences.close();
        }
        if (membership != null) {
            membership.close();
        }
        if (auditTopic != null) {
            auditTopic.close();
        }
        if (fleet != null) {
            fleet.close();
        }
        config.clusters().values().forEach(c -> c.security().close());
    }

    private void shutdownLoops() {
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        adminLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        registry.close();
    }
}
