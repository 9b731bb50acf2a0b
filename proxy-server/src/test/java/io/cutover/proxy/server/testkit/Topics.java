package io.cutover.proxy.server.testkit;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * Creates topics and waits until the brokers serve them. CreateTopics returns once the controller
 * has the topic; a broker may answer for it a moment later, and on a loaded machine that moment is
 * long enough for a describe to say "unknown topic" or an acks=0 write to be dropped with its
 * connection. ListOffsets is answered by each partition's log, so once it answers for every
 * partition, the topic is there.
 */
public final class Topics {
    private Topics() {
    }

    public static void create(Admin admin, NewTopic... topics) throws Exception {
        admin.createTopics(List.of(topics)).all().get(60, TimeUnit.SECONDS);
        awaitServed(admin, topics);
    }

    public static void awaitServed(Admin admin, NewTopic... topics) {
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        for (NewTopic t : topics) {
            int partitions = t.replicasAssignments() != null ? t.replicasAssignments().size() : t.numPartitions();
            for (int p = 0; p < partitions; p++) {
                spec.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
            }
        }
        Await.until("the brokers serve " + spec.keySet(), Duration.ofSeconds(60), () -> {
            try {
                return admin.listOffsets(spec).all().get(5, TimeUnit.SECONDS).size() == spec.size()
                    && admin.describeTopics(spec.keySet().stream().map(TopicPartition::topic).distinct().toList())
                        .allTopicNames().get(5, TimeUnit.SECONDS).size() > 0;
            } catch (Exception e) {
                return false;
            }
        });
    }
}
