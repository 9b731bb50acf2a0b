package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.config.ClusterConfig;
import io.cutover.proxy.server.config.ProxyConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's shared state: entities (the route table, ...) kept as records in one compacted,
 * single-partition topic on the state cluster, keyed by entity. Every instance reads the topic
 * from its start before it serves, so a cold instance rebuilds exactly what the others hold, and
 * keeps reading, so a change made through one instance reaches all. Changes are compare-and-set
 * on the entity's version ({@link StateWriter}).
 */
public final class FleetState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FleetState.class);

    private final ProxyConfig.Fleet config;
    private final Admin admin;
    private final StateTail tail;
    private final StateWriter writer;
    private final Properties client;
    private OwnEntityWriter own;

    private FleetState(ProxyConfig.Fleet config, Properties client, Admin admin, StateTail tail, StateWriter writer) {
        this.config = config;
        this.client = client;
        this.admin = admin;
        this.tail = tail;
        this.writer = writer;
    }

    /** Creates the topic if missing, then reads it to its end; fails the start when the state cluster cannot be read. */
    public static FleetState start(ProxyConfig.Fleet config, ClusterConfig cluster) {
        Properties client = clientProperties(config, cluster);
        Admin admin = Admin.create(client);
        StateTail tail = null;
        try {
            ensureTopic(admin, config);
            long stable = stableOffsetOnceKnown(admin, config);
            tail = new StateTail(config.stateTopic(), client);
            tail.start();
            if (!tail.awaitPosition(stable, config.timeout())) {
                throw new StateUnavailableException("could not read the fleet state topic " + config.stateTopic() + " on "
                    + cluster.name() + " to its end (" + stable + ") within " + config.timeout().toMillis() + " ms", null);
            }
            LOG.info("fleet state: instance {} read {} ({} records, entities {})", config.instanceId(), config.stateTopic(), stable,
                tail.entries().keySet());
            return new FleetState(config, client, admin, tail, new StateWriter(config.stateTopic(), config.instanceId(), client, admin, tail,
                config.timeout()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(admin, tail);
            throw new StateUnavailableException("interrupted while reading the fleet state", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(admin, tail);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new StateUnavailableException("cannot reach the fleet state topic " + config.stateTopic() + " on cluster "
                + cluster.name() + ": " + cause, cause);
        } catch (RuntimeException e) {
            closeQuietly(admin, tail);
            throw e;
        }
    }

    /** How the fleet's clients reach the state cluster: its security settings, bounded by {@code fleet.timeout}. */
    static Properties clientProperties(ProxyConfig.Fleet config, ClusterConfig cluster) {
        Properties client = new Properties();
        client.putAll(cluster.security().clientProperties());
        client.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServersString());
        client.put(CommonClientConfigs.CLIENT_ID_CONFIG, "cutover-proxy-fleet-" + config.instanceId());
        client.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) config.timeout().toMillis());
        client.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(config.timeout().toMillis(), 10_000));
        return client;
    }

    /** A topic just created is not known to every broker at once: ask again until it is, within the timeout. */
    private static long stableOffsetOnceKnown(Admin admin, ProxyConfig.Fleet config) throws InterruptedException, ExecutionException,
        TimeoutException {
        TopicPartition tp = new TopicPartition(config.stateTopic(), 0);
        long deadline = System.nanoTime() + config.timeout().toNanos();
        while (true) {
            try {
                return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                    .partitionResult(tp).get(config.timeout().toMillis(), TimeUnit.MILLISECONDS).offset();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException
                    || e.getCause() instanceof org.apache.kafka.common.errors.LeaderNotAvailableException)
                    || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static void ensureTopic(Admin admin, ProxyConfig.Fleet config) throws InterruptedException, ExecutionException,
        TimeoutException {
        NewTopic topic = new NewTopic(config.stateTopic(), 1, config.replicationFactor()).configs(Map.of(
            TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
            TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(config.minInsyncReplicas())));
        try {
            admin.createTopics(List.of(topic)).all().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("fleet state: created topic {} (compacted, replication factor {}, min.insync.replicas {})", config.stateTopic(),
                config.replicationFactor(), config.minInsyncReplicas());
            return;
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, config.stateTopic());
        Config existing = admin.describeConfigs(List.of(resource)).all().get(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
            .get(resource);
        String policy = existing.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
        if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT) || policy.contains(TopicConfig.CLEANUP_POLICY_DELETE)) {
            // Time-based deletion would drop the route table of a fleet that has not changed it for a while.
            throw new IllegalStateException("fleet.state-topic " + config.stateTopic() + " has cleanup.policy=" + policy
                + "; it must be compact only");
        }
    }

    public String instanceId() {
        return config.instanceId();
    }

    /** The latest committed entry of {@code entity}, or null. */
    public StateEntry entry(String entity) {
        return tail.entry(entity);
    }

    /** The next offset of the state topic this instance will read. */
    public long position() {
        return tail.position();
    }

    /** Called for every new version of {@code entity}, this instance's own writes included, on one listener thread. */
    public void onChange(String entity, Consumer<StateEntry> listener) {
        tail.onChange(entity, listener);
    }

    /** Called for every new version of every entity whose name starts with {@code prefix}, on the same listener thread. */
    public void onChangePrefix(String prefix, Consumer<StateEntry> listener) {
        tail.onChangePrefix(prefix, listener);
    }

    /**
     * Writes version {@code expectedVersion + 1} of {@code entity}.
     *
     * @throws StateConflictException when the entity is not at {@code expectedVersion}, or another instance wrote at the same moment
     * @throws StateUnavailableException when the state cluster did not answer in time
     */
    public StateEntry compareAndSet(String entity, long expectedVersion, JsonNode body) {
        return writer.compareAndSet(entity, expectedVersion, body);
    }

    /**
     * Creates {@code entity} at {@code version} when the fleet does not have it yet (importing a single
     * instance's state).
     *
     * @throws StateConflictException when it exists
     */
    public StateEntry create(String entity, long version, JsonNode body) {
        return writer.write(entity, 0, version, body);
    }

    /** Every entity whose name starts with {@code prefix}, by name. */
    public Map<String, StateEntry> entries(String prefix) {
        Map<String, StateEntry> out = new java.util.TreeMap<>();
        tail.entries().forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Committed records of the state topic this instance has not read yet. */
    public long lag() {
        TopicPartition tp = new TopicPartition(config.stateTopic(), 0);
        try {
            long stable = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get(config.timeout().toMillis(), TimeUnit.MILLISECONDS).offset();
            return Math.max(0, stable - tail.position());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        } catch (ExecutionException | TimeoutException e) {
            return -1;
        }
    }

    /**
     * Writes an entity only this instance writes (its own heartbeat), without compare-and-set:
     * the version is the wall clock, so each write supersedes the last.
     */
    public void put(String entity, JsonNode body) {
        ownWriter().put(entity, body);
    }

    /**
     * When the latest of this instance's own writes (its heartbeats) was sent that the state cluster
     * acknowledged and this instance has read back since, epoch ms: its lease runs from there.
     */
    public long lastOwnWriteReadBackAt() {
        // Applied, not only read: a lease renewed before the listeners adopted a flipped route table
        // would let held writes go by the old one (seen: writes reaching the source after a flip).
        return ownWriter().lastReadBackSendMs(tail.appliedPosition());
    }

    /**
     * Writes an entity any instance may write (a producer's id mapping), at a version above the one
     * this instance last read, and returns once the state cluster acknowledged it.
     */
    public void putAndWait(String entity, JsonNode body, Duration timeout) {
        StateEntry now = tail.entry(entity);
        ownWriter().putAndWait(entity, body, now == null ? 0 : now.version(), timeout);
    }

    /**
     * Waits until this instance has read, and handed to its listeners, everything committed to the
     * state topic before this call; false when the state cluster did not answer in time.
     */
    public boolean awaitCaughtUp(Duration timeout) {
        TopicPartition tp = new TopicPartition(config.stateTopic(), 0);
        try {
            long stable = admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
                .partitionResult(tp).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            return tail.awaitPosition(stable, timeout) && tail.awaitListeners(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    /**
     * Removes an entity; compaction then drops it from the topic. For this instance's own entities,
     * and for producer-id mappings that every instance forgets (none has seen the producer for the
     * retention).
     */
    public void delete(String entity) {
        ownWriter().delete(entity);
    }

    /**
     * As {@link #delete}, without waiting for the state cluster: a key whose tombstone is lost stays
     * until an instance forgets it again (at its next start, say).
     */
    public void deleteAsync(String entity) {
        ownWriter().deleteAsync(entity);
    }

    private synchronized OwnEntityWriter ownWriter() {
        if (own == null) {
            own = new OwnEntityWriter(config.stateTopic(), config.instanceId(), client, config.timeout());
        }
        return own;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (own != null) {
                own.close();
            }
        }
        writer.close();
        closeQuietly(admin, tail);
    }

    private static void closeQuietly(Admin admin, StateTail tail) {
        if (tail != null) {
            tail.close();
        }
        admin.close(Duration.ofSeconds(2));
    }
}
