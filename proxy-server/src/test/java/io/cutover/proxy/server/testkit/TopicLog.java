package io.cutover.proxy.server.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * A topic's log as a broker holds it, read straight from the cluster (never through a proxy) with
 * a consumer of no group: every partition from its beginning to the end offsets asked for when the
 * reading starts. What a test checks against what its clients were told: acknowledged writes there
 * exactly once, a record's offset, the records of a state topic.
 */
public final class TopicLog {
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private TopicLog() {
    }

    /** Every record of {@code topic} on the cluster at {@code bootstrap}, each partition in offset order. */
    public static List<ConsumerRecord<String, String>> records(String bootstrap, String topic) {
        return records(bootstrap, topic, Map.of());
    }

    /**
     * @param consumerConfig more consumer settings, e.g. {@code isolation.level = read_committed}
     *     (then each partition is read to its last stable offset)
     */
    public static List<ConsumerRecord<String, String>> records(String bootstrap, String topic, Map<String, Object> consumerConfig) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, null, consumerConfig)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the log of " + topic + " was not read to its end " + end + " within " + PATIENCE);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    /** The values of {@link #records(String, String)}. */
    public static List<String> values(String bootstrap, String topic) {
        return records(bootstrap, topic).stream().map(ConsumerRecord::value).toList();
    }

    /** Every value in {@code topic}, with how many times it is there. */
    public static Map<String, Integer> valueCounts(String bootstrap, String topic) {
        Map<String, Integer> counts = new HashMap<>();
        for (String v : values(bootstrap, topic)) {
            counts.merge(v, 1, Integer::sum);
        }
        return counts;
    }
}
