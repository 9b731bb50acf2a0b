package io.cutover.proxy.server.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real KRaft Kafka cluster running inside this JVM, started with Kafka's own test kit. The
 * embedded default of {@code bin/cutover-proxy} and every integration test use this one class, so
 * there is a single place that knows how to start a broker.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
    /** How Kafka's test kit names the threads it formats and starts nodes on. */
    private static final String TEST_KIT_THREADS = "kafka-cluster-test-kit-";
    private final String name;
    private final KafkaClusterTestKit kit;

    private EmbeddedKafkaCluster(String name, KafkaClusterTestKit kit) {
        this.name = name;
        this.kit = kit;
    }

    /** Starts a combined-mode cluster of {@code brokers} nodes (one of them also the controller). */
    public static EmbeddedKafkaCluster start(String name, int brokers, Map<String, String> extraConfig) throws Exception {
        // Finalize every production feature at its latest production level, as `kafka-storage format`
        // does for a new cluster; without group.version=1 the KIP-848 consumer protocol is off.
        Map<String, Short> features = new LinkedHashMap<>();
        for (Feature f : Feature.PRODUCTION_FEATURES) {
            if (!f.featureName().equals(Feature.KRAFT_VERSION.featureName())) {
                features.put(f.featureName(), f.latestProduction());
            }
        }
        TestKitNodes nodes = new TestKitNodes.Builder(
                BootstrapMetadata.fromVersions(MetadataVersion.latestProduction(), features, "cutover-proxy embedded cluster"))
            .setCombined(true)
            .setNumBrokerNodes(brokers)
            .setNumControllerNodes(1)
            .build();
        Map<String, String> config = new LinkedHashMap<>();
        int rf = Math.min(3, brokers);
        config.put("offsets.topic.replication.factor", String.valueOf(rf));
        config.put("offsets.topic.num.partitions", "5");
        config.put("transaction.state.log.replication.factor", String.valueOf(rf));
        config.put("transaction.state.log.min.isr", "1");
        config.put("transaction.state.log.num.partitions", "5");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("share.coordinator.state.topic.replication.factor", String.valueOf(rf));
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("min.insync.replicas", "1");
        config.putAll(extraConfig);
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes);
        config.forEach(builder::setConfigProp);
        KafkaClusterTestKit kit = builder.build();
        try {
            // The formatter prints to stdout from the kit's threads; those lines go to the log at debug instead.
            try (ThreadOutputDiversion quiet = ThreadOutputDiversion.of(TEST_KIT_THREADS, line -> LOG.debug("{}: {}", name, line))) {
                kit.format();
            }
            kit.startup();
            kit.waitForReadyBrokers();
        } catch (Exception e) {
            kit.close();
            throw e;
        }
        return new EmbeddedKafkaCluster(name, kit);
    }

    public String name() {
        return name;
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** The underlying test kit, for tests that stop or restart individual brokers. */
    public KafkaClusterTestKit kit() {
        return kit;
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }
}
