package io.cutover.proxy.server.fleet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.time.Instant;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes the entities that belong to one instance (its membership record), which no other
 * instance writes, so they need no compare-and-set: one long-lived idempotent producer, sends
 * not awaited (the next heartbeat supersedes a lost one).
 */
final class OwnEntityWriter implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final String instanceId;
    private final KafkaProducer<String, byte[]> producer;
    /** Acknowledged writes (their offset and when they were sent) not yet known to be read back; bounded by the heartbeat rate. */
    private final java.util.concurrent.ConcurrentLinkedQueue<long[]> acked = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile long readBackSendMs = System.currentTimeMillis();

    OwnEntityWriter(String topic, String instanceId, Properties client, Duration timeout) {
        this.topic = topic;
        this.instanceId = instanceId;
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "cutover-proxy-fleet-member-" + instanceId);
        this.producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    void put(String entity, JsonNode body) {
        send(entity, body, System.currentTimeMillis());
    }

    /**
     * Writes an entity any instance may write, at a version above {@code minVersion}, and returns
     * once the state cluster has it (acks=all): what is written here must be there before it is used.
     */
    void putAndWait(String entity, JsonNode body, long minVersion, Duration timeout) {
        try {
            send(entity, body, Math.max(System.currentTimeMillis(), minVersion + 1)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailableException("interrupted writing " + entity, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new StateUnavailableException("the state cluster did not take " + entity + ": " + e, e);
        }
    }

    private java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(String entity, JsonNode body, long version) {
        ObjectNode value = JSON.createObjectNode();
        long now = version;
        // The wall clock as version: later writes of this instance win; the state tail ignores older ones.
        value.put("version", now);
        value.put("writer", instanceId);
        value.put("at", Instant.now().toString());
        value.set("body", body);
        try {
            return producer.send(new ProducerRecord<>(topic, 0, entity, JSON.writeValueAsBytes(value)), (md, e) -> {
                if (e == null) {
                    acked.add(new long[] {md.offset(), now});
                }
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * When the latest of these writes was sent that the state cluster acknowledged and this
     * instance has read back ({@code position}: the next offset its tail reads). Read back matters:
     * everything the fleet committed before it (a flipped route table) has then been read too.
     */
    long lastReadBackSendMs(long position) {
        long[] a;
        while ((a = acked.peek()) != null && a[0] < position) {
            acked.poll();
            readBackSendMs = Math.max(readBackSendMs, a[1]);
        }
        // A tail that stopped reading must not leave this queue growing with every heartbeat.
        while (acked.size() > 1_000) {
            acked.poll();
        }
        return readBackSendMs;
    }

    void delete(String entity) {
        deleteAsync(entity);
        producer.flush();
    }

    /** A tombstone sent without waiting for it: for upkeep that may delete thousands of keys at once. */
    void deleteAsync(String entity) {
        producer.send(new ProducerRecord<>(topic, 0, entity, null));
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
    }
}
