package io.cutover.proxy.server.mirror;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.mirror.Checkpoint;
import org.apache.kafka.connect.mirror.OffsetSync;

/**
 * Reads MirrorMaker 2's offset-syncs and checkpoints topics with MM2's own decoders, so the
 * upstream-to-downstream offset mapping can be inspected without running MM2's internal stores.
 */
public final class MirrorTopics {
    private MirrorTopics() {
    }

    /** An offset sync: upstream offset of one replicated record and the offset it got downstream. */
    public static OffsetSync decodeOffsetSync(ConsumerRecord<byte[], byte[]> record) {
        return OffsetSync.deserializeRecord(record);
    }

    /** A checkpoint: a group's committed upstream offset and MM2's (conservative) downstream translation. */
    public static Checkpoint decodeCheckpoint(ConsumerRecord<byte[], byte[]> record) {
        return Checkpoint.deserializeRecord(record);
    }

    /** Every offset sync up to the end of the topic as of this call, in log order; empty while it does not exist. */
    public static List<OffsetSync> offsetSyncs(MirrorTopic topic, Duration timeout) {
        return readToEnd(topic, timeout, MirrorTopics::decodeOffsetSync);
    }

    /** Every checkpoint up to the end of the topic as of this call, in log order; empty while it does not exist. */
    public static List<Checkpoint> checkpoints(MirrorTopic topic, Duration timeout) {
        return readToEnd(topic, timeout, MirrorTopics::decodeCheckpoint);
    }

    private static <T> List<T> readToEnd(MirrorTopic topic, Duration timeout, Function<ConsumerRecord<byte[], byte[]>, T> decode) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(topic.bootstrapServers())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name(), timeout).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
            List<T> out = new ArrayList<>();
            if (partitions.isEmpty()) {
                return out;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (!reached(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("reading " + topic + " to offsets " + end + " took longer than " + timeout);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        out.add(decode.apply(r));
                    }
                }
            }
            return out;
        }
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cutover-mirror-topics-reader");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // A read before MM2 has created its topic must not auto-create it: MM2 would then find a
        // non-compacted topic with broker defaults and keep using it.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
