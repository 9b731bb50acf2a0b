package io.cutover.proxy.server.embedded;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.cutover.proxy.server.ProxyServer;
import io.cutover.proxy.server.config.ProxyConfigLoader;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.KafkaThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything {@code bin/cutover-proxy} runs without a config: a source and a target cluster, a sample
 * topic on the source, MirrorMaker 2 copying it to the target, the proxy in front of both, and a
 * producer and a consumer going through the proxy. That is a cutover in miniature, ready to be
 * flipped or waved over with nothing else installed.
 */
public final class EmbeddedDemo implements AutoCloseable {
    public static final String SOURCE = "source";
    public static final String TARGET = "target";
    public static final int TOPIC_PARTITIONS = 3;
    /** What MM2 copies: the sample topic and any the user adds next to it (orders-eu, ...). */
    public static final String MIRRORED_TOPICS = SampleTraffic.TOPIC + ".*";
    public static final String CHECKPOINTED_GROUPS = ".*";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedDemo.class);
    /** Present once the proxy's reference.conf has waves; until then the proxy would refuse the keys. */
    private static final String WAVES_MAPPING = "cutover-proxy.waves.mapping";
    /** What Kafka's test kit names the hook that deletes a broker's directories when the JVM exits. */
    private static final String TEST_KIT_DELETE_HOOK = "delete-temp-file-shutdown-hook";
    private static final String MM2_SHUTDOWN_HOOK_PREFIX = "embedded-mirror-maker-shutdown-";
    /** MM2 stops in 1-2 s with both clusters up; its tasks get 5 s to stop gracefully. */
    private static final Duration MM2_STOP_WAIT = Duration.ofSeconds(10);

    private final EmbeddedKafkaCluster source;
    private final EmbeddedKafkaCluster target;
    private final EmbeddedMirrorMaker mirrorMaker;
    private final ProxyServer proxy;
    private final SampleTraffic traffic;

    private EmbeddedDemo(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, EmbeddedMirrorMaker mirrorMaker,
                         ProxyServer proxy, SampleTraffic traffic) {
        this.source = source;
        this.target = target;
        this.mirrorMaker = mirrorMaker;
        this.proxy = proxy;
        this.traffic = traffic;
    }

    /**
     * Starts the demo; returns once the proxy listens and the sample clients are running.
     *
     * @param proxySettings proxy config (full {@code cutover-proxy.*} paths) for what the demo leaves
     *                      to its caller: ports, state-dir. The clusters and waves are set here.
     */
    public static EmbeddedDemo start(Config proxySettings) throws Exception {
        // Whatever started is stopped again, newest first, if a later step fails.
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            EmbeddedKafkaCluster source = startCluster(SOURCE);
            started.push(source);
            EmbeddedKafkaCluster target = startCluster(TARGET);
            started.push(target);
            // Before MM2 starts, so its first topic refresh already finds it.
            createTopic(source.bootstrapServers(), SampleTraffic.TOPIC, TOPIC_PARTITIONS);
            EmbeddedMirrorMaker mirrorMaker = EmbeddedMirrorMaker.start(SOURCE, source.bootstrapServers(),
                TARGET, target.bootstrapServers(), MIRRORED_TOPICS, CHECKPOINTED_GROUPS, Map.of());
            started.push(mirrorMaker);
            ProxyServer proxy = ProxyServer.start(ProxyConfigLoader.fromUserConfig(
                proxyConfig(proxySettings, source, target, mirrorMaker)));
            started.push(proxy);
            // Last: the clients bootstrap from the proxy.
            SampleTraffic traffic = SampleTraffic.start(proxy.bootstrapServers());
            return new EmbeddedDemo(source, target, mirrorMaker, proxy, traffic);
        } catch (Exception | Error e) {
            closeAll(started, e);
            throw e;
        }
    }

    /**
     * Kafka's test kit registers a JVM shutdown hook that deletes a broker's log directory. JVM hooks
     * run all at once, so on Ctrl+C that hook pulls the directory from under the running broker, which
     * then halts the JVM (all log dirs failed) before close() has stopped the clients, the proxy and
     * MM2 in order. The hook is dropped here; the test kit's close() deletes the directory itself.
     */
    private static EmbeddedKafkaCluster startCluster(String name) throws Exception {
        Exit.setShutdownHookAdder((hookName, hook) -> {
            if (!TEST_KIT_DELETE_HOOK.equals(hookName)) {
                Runtime.getRuntime().addShutdownHook(hookName == null ? new Thread(hook) : KafkaThread.nonDaemon(hookName, hook));
            }
        });
        try {
            return EmbeddedKafkaCluster.start(name, 1, Map.of());
        } finally {
            Exit.resetShutdownHookAdder();
        }
    }

    private static Config proxyConfig(Config settings, EmbeddedKafkaCluster source, EmbeddedKafkaCluster target,
                                      EmbeddedMirrorMaker mirrorMaker) {
        Config c = settings
            .withValue("cutover-proxy.clusters.source.bootstrap-servers",
                ConfigValueFactory.fromIterable(List.of(source.bootstrapServers().split(","))))
            .withValue("cutover-proxy.clusters.target.bootstrap-servers",
                ConfigValueFactory.fromIterable(List.of(target.bootstrapServers().split(","))));
        if (!ConfigFactory.defaultReference().hasPath(WAVES_MAPPING)) {
            log.info("this build's reference.conf has no {}; the demo runs without waves", WAVES_MAPPING);
            return c;
        }
        // Waves translate group offsets with the offset syncs of the MM2 running right here.
        return c
            .withValue(WAVES_MAPPING, ConfigValueFactory.fromAnyRef("mirrormaker2"))
            .withValue("cutover-proxy.waves.mirrormaker2.offset-syncs-topic",
                ConfigValueFactory.fromAnyRef(mirrorMaker.offsetSyncsTopic().name()))
            .withValue("cutover-proxy.waves.mirrormaker2.offset-syncs-cluster",
                ConfigValueFactory.fromAnyRef(mirrorMaker.offsetSyncsTopic().clusterAlias()));
    }

    private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            // Replication factor 1: each demo cluster has a single broker.
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    public EmbeddedKafkaCluster source() {
        return source;
    }

    public EmbeddedKafkaCluster target() {
        return target;
    }

    public EmbeddedMirrorMaker mirrorMaker() {
        return mirrorMaker;
    }

    public ProxyServer proxy() {
        return proxy;
    }

    public SampleTraffic traffic() {
        return traffic;
    }

    /**
     * Stops the clients first (so they leave their group while the proxy still answers), then the
     * proxy, then MM2 (while both clusters are still there for it to finish against), then the clusters.
     */
    @Override
    public void close() throws Exception {
        closeAll(new ArrayDeque<>(List.of(traffic, proxy, mirrorMaker, this::awaitMirrorMakerShutdownHook, target, source)), null);
    }

    /**
     * At JVM exit EmbeddedMirrorMaker's own shutdown hook stops MM2 alongside the hook that closes
     * this demo, and a second close() returns at once rather than waiting for the first. Closing the
     * clusters then strands MM2's tasks flushing to brokers that are gone (about 20 s of retries), so
     * wait for that hook to finish first. It is found by the name EmbeddedMirrorMaker gives it.
     */
    private void awaitMirrorMakerShutdownHook() throws InterruptedException {
        String hookName = MM2_SHUTDOWN_HOOK_PREFIX + mirrorMaker.sourceAlias() + "->" + mirrorMaker.targetAlias();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(hookName) && t != Thread.currentThread()) {
                t.join(MM2_STOP_WAIT.toMillis());
            }
        }
    }

    /** Closes from the head of the deque on; one failing does not keep the rest open. */
    private static void closeAll(Deque<AutoCloseable> newestFirst, Throwable cause) throws Exception {
        Exception first = null;
        while (!newestFirst.isEmpty()) {
            try {
                newestFirst.pop().close();
            } catch (Exception e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
