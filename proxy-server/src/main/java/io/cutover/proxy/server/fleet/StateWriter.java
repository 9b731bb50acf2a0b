package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Compare-and-set on the state topic. Kafka has no conditional append, but it has fencing: every
 * instance writes under one shared transactional id, so starting a write (InitProducerId) ends any
 * other instance's write in progress, committed or aborted. After that, reading the topic to its
 * last stable offset shows every write that can ever commit before ours, so the version check is
 * exact; if another instance starts a write before ours commits, ours is fenced and aborted, and
 * the caller gets a conflict. Concurrent writers: exactly one commits, the others see a conflict,
 * and no losing write is ever in the log as committed, so compaction (which keeps the last
 * committed record of each entity) cannot bring one back. One write at a time per instance.
 *
 * <p>The producer of a write is kept for the next one: as long as no other instance has started a
 * write since, it is still the fleet's one writer and need not start again (a switch's flip costs
 * one transaction, not a new producer). Once another instance has, it is fenced; the write then
 * starts again with a new producer, reading the state again, so a real conflict is still one.
 */
final class StateWriter {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final String instanceId;
    private final Properties client;
    private final Admin admin;
    private final StateTail tail;
    private final Duration timeout;
    /** The producer of this instance's last write, kept while no other instance has written since. */
    private KafkaProducer<String, byte[]> producer;

    StateWriter(String topic, String instanceId, Properties client, Admin admin, StateTail tail, Duration timeout) {
        this.topic = topic;
        this.instanceId = instanceId;
        this.client = client;
        this.admin = admin;
        this.tail = tail;
        this.timeout = timeout;
    }

    /**
     * Writes {@code body} as version {@code expectedVersion + 1} of {@code entity} if its version is
     * still {@code expectedVersion} (0 when it was never written), and returns the entry once this
     * instance has read it back.
     */
    synchronized StateEntry compareAndSet(String entity, long expectedVersion, JsonNode body) {
        return write(entity, expectedVersion, expectedVersion + 1, body);
    }

    /** As {@link #compareAndSet}, with the new version given: an import keeps the version the entity had in its file. */
    synchronized StateEntry write(String entity, long expectedVersion, long newVersion, JsonNode body) {
        if (producer != null) {
            // The producer of this instance's last write is still the fleet's writer unless another
            // instance started a write since: then it is fenced, and the write starts again from
            // InitProducerId (re-reading the state, so a real conflict is still a conflict).
            try {
                return attempt(producer, entity, expectedVersion, newVersion, body);
            } catch (StaleWriterException e) {
                discard();
            }
        }
        producer = newProducer();
        try {
            producer.initTransactions();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            discard();
            throw fenced(entity, expectedVersion);
        } catch (KafkaException e) {
            discard();
            throw new StateUnavailableException("starting a write of " + entity + " to the fleet state topic " + topic + ": " + e, e);
        }
        try {
            return attempt(producer, entity, expectedVersion, newVersion, body);
        } catch (StaleWriterException e) {
            discard();
            throw fenced(entity, expectedVersion);
        }
    }

    /** The cached producer was fenced by another instance's write: start again with a new one. */
    private static final class StaleWriterException extends RuntimeException {
        StaleWriterException() {
            super(null, null, false, false);
        }
    }

    private void discard() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }

    synchronized void close() {
        discard();
    }

    private KafkaProducer<String, byte[]> newProducer() {
        Properties p = new Properties();
        p.putAll(client);
        // Shared by every instance of the fleet: the fence between writers.
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "cutover-proxy-fleet-" + topic);
        // A writer that dies mid-write holds back every reader (read_committed) until this passes.
        p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.max(1_000, timeout.toMillis()));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        // One record per write, sent at once; a linger would also make the client refuse a
        // fleet.timeout of 10 s or less (delivery.timeout.ms below linger.ms + request.timeout.ms).
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "cutover-proxy-fleet-writer-" + instanceId);
        try {
            return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            throw new StateUnavailableException("cannot create the fleet state writer: " + e.getMessage(), e);
        }
    }

    /**
     * One write with {@code producer}, which has initialised its transactions (now or for an earlier
     * write). A write that fails leaves no producer behind: its state is unknown.
     */
    private StateEntry attempt(KafkaProducer<String, byte[]> producer, String entity, long expectedVersion, long newVersion, JsonNode body) {
        boolean open = false;
        try {
            try {
                long stable = lastStableOffset();
                if (!tail.awaitPosition(stable, timeout)) {
                    throw new StateUnavailableException("the fleet state topic " + topic + " was not read to its end within "
                        + timeout.toMillis() + " ms; nothing was written", null);
                }
                StateEntry now = tail.entry(entity);
                long current = now == null ? 0 : now.version();
                if (current != expectedVersion) {
                    throw new StateConflictException(entity + " is at version " + current + " in the fleet state, not " + expectedVersion
                        + (now == null ? "" : " (written by instance " + now.writer() + ")"), current);
                }
                ObjectNode value = JSON.createObjectNode();
                value.put("version", newVersion);
                value.put("writer", instanceId);
                value.put("at", java.time.Instant.now().toString());
                value.set("body", body);
                producer.beginTransaction();
                open = true;
                RecordMetadata written = producer.send(new ProducerRecord<>(topic, 0, entity, JSON.writeValueAsBytes(value)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                try {
                    producer.commitTransaction();
                    open = false;
                } catch (KafkaException commitFailed) {
                    // Fenced, timed out, or refused (INVALID_TXN_STATE when another writer's start aborted ours):
                    // whether the record counts is for the log to say.
                    if (!committedAt(written.offset())) {
                        throw new StaleWriterException();
                    }
                }
                if (!tail.awaitPosition(written.offset() + 1, timeout)) {
                    throw new StateUnavailableException(entity + " version " + newVersion + " was written but not yet read "
                        + "back within " + timeout.toMillis() + " ms", null);
                }
                StateEntry mine = tail.entry(entity);
                if (mine == null || mine.version() != newVersion || mine.offset() != written.offset()) {
                    throw new StateConflictException(entity + " was written at the same moment by another instance", mine == null ? 0
                        : mine.version());
                }
                return mine;
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                throw new StaleWriterException();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof ProducerFencedException || e.getCause() instanceof InvalidProducerEpochException) {
                    throw new StaleWriterException();
                }
                throw new StateUnavailableException("writing " + entity + " to the fleet state topic " + topic + ": " + e.getCause(),
                    e.getCause());
            } catch (TimeoutException | KafkaException e) {
                throw new StateUnavailableException("writing " + entity + " to the fleet state topic " + topic + ": " + e, e);
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateUnavailableException("interrupted while writing " + entity, e);
            }
        } finally {
            if (open) {
                // Failed with its transaction open (or its commit's outcome unknown): this producer is not used again.
                discard();
            }
        }
    }

    /** Another instance started a write after ours: it is writing the next version, so report that one. */
    private StateConflictException fenced(String entity, long expectedVersion) {
        return new StateConflictException("another instance wrote " + entity + " at the same moment; read it again and retry",
            expectedVersion + 1);
    }

    /**
     * Whether the record this writer sent at {@code offset} was committed. Waits until the log has
     * settled its transaction (the last stable offset passed it), then reads committed records from
     * there: an aborted record is skipped, so the first one read is ours only if it counts.
     */
    private boolean committedAt(long offset) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (lastStableOffset() <= offset) {
            if (System.nanoTime() - deadline > 0) {
                throw new StateUnavailableException("the outcome of this write is unknown (its transaction is still open at offset " + offset
                    + "); read the state again", null);
            }
            Thread.sleep(50);
        }
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seek(tp, offset);
            while (System.nanoTime() - deadline < 0) {
                var records = c.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    return records.iterator().next().offset() == offset;
                }
                if (c.position(tp) > offset) {
                    return false;
                }
            }
        }
        throw new StateUnavailableException("the outcome of this write is unknown (its record could not be read back); read the state "
            + "again", null);
    }

    private long lastStableOffset() throws InterruptedException, ExecutionException, TimeoutException {
        TopicPartition tp = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
            .partitionResult(tp).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
    }
}
