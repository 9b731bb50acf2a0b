package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cutover.proxy.core.state.AuditSink;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.config.ProxyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's audit trail: every instance's audit records, each with its instance id, in one
 * never-compacted topic on the state cluster. A record is acknowledged by every in-sync replica
 * before the change it describes is answered, as the local audit.log line is forced to disk.
 */
public final class FleetAuditTopic implements AuditSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetAuditTopic.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final String cluster;
    private final String instanceId;
    private final Duration timeout;
    private final KafkaProducer<String, byte[]> producer;

    private FleetAuditTopic(String topic, String cluster, String instanceId, Duration timeout, KafkaProducer<String, byte[]> producer) {
        this.topic = topic;
        this.cluster = cluster;
        this.instanceId = instanceId;
        this.timeout = timeout;
        this.producer = producer;
    }

    /**
     * Creates the topic when missing and opens the producer every record goes through.
     *
     * @throws IllegalStateException when the topic exists and is compacted
     * @throws StateUnavailableException when the state cluster did not answer within {@code fleet.timeout}
     */
    public static FleetAuditTopic start(ProxyConfig.Fleet config, ClusterConfig cluster) {
        Properties client = FleetState.clientProperties(config, cluster);
        Admin admin = Admin.create(client);
        try {
            ensureTopic(admin, config, cluster.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted while preparing the fleet audit topic " + config.auditTopic(), e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StateUnavailableException("cannot reach the fleet audit topic " + config.auditTopic() + " on cluster "
                + cluster.name() + ": " + cause, cause);
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
        return new FleetAuditTopic(config.auditTopic(), cluster.name(), config.instanceId(), config.timeout(), producer(client, config));
    }

    private static KafkaProducer<String, byte[]> producer(Properties client, ProxyConfig.Fleet config) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, "cutover-proxy-fleet-audit-" + config.instanceId());
        // Idempotent, so a retried send cannot put a record in the trail twice.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        long ms = config.timeout().toMillis();
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, ms);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) ms);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(ms, 10_000));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static void ensureTopic(Admin admin, ProxyConfig.Fleet config, String cluster) throws InterruptedException,
        ExecutionException, TimeoutException {
        long ms = config.timeout().toMillis();
        NewTopic topic = new NewTopic(config.auditTopic(), 1, config.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
            // Kept until an operator decides otherwise: an audit trail that expires on its own is not one.
            TopicConfig.RETENTION_MS_CONFIG, "-1",
            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas())));
        try {
            admin.createTopics(List.of(topic)).all().get(ms, TimeUnit.MILLISECONDS);
            LOG.info("fleet audit: created topic {} on {} (delete policy, no retention limit, replication factor {}, "
                + "min.insync.replicas {})", config.auditTopic(), cluster, config.replicationFactor(), config.minInsyncReplicas());
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, config.auditTopic());
        Config existing = admin.describeConfigs(List.of(resource)).all().get(ms, TimeUnit.MILLISECONDS).get(resource);
        String policy = existing.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        if (policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            // Compaction keeps the last record per key, and the key is the instance: all but one change per instance would go.
            throw new IllegalStateException("fleet.audit-topic " + config.auditTopic() + " on cluster " + cluster
                + " has cleanup.policy=" + policy + "; an audit trail must never be compacted: set cleanup.policy=delete on it"
                + " or name another topic");
        }
    }

    @Override
    public void append(ObjectNode record) {
        ObjectNode value = record.deepCopy();
        value.put("instance", instanceId);
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            // Partition 0 even if an operator added partitions: the trail stays one ordered log.
            var sent = producer.send(new ProducerRecord<>(topic, 0, instanceId, bytes));
            // send() itself may have waited for metadata: the whole append stays within fleet.timeout.
            sent.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed("interrupted", e);
        } catch (ExecutionException e) {
            throw failed(String.valueOf(e.getCause()), e.getCause());
        } catch (TimeoutException e) {
            throw failed("not acknowledged within " + timeout.toMillis() + " ms (fleet.timeout)", e);
        } catch (RuntimeException e) {
            throw failed(e.toString(), e);
        }
    }

    private UncheckedIOException failed(String why, Throwable cause) {
        LOG.warn("fleet audit: a record of this instance is not in {} on {}: {}", topic, cluster, why);
        return new UncheckedIOException("cannot append to the fleet audit topic " + topic + " on cluster " + cluster + ": " + why,
            new IOException(why, cause));
    }

    public String topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
