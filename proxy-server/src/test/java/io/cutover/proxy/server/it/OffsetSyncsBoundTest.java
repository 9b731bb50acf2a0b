package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.mirror.OffsetSync;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * MirrorMaker 2 writes offset syncs for every partition it replicates; the proxy keeps only those of
 * its waves' topics, and reads a topic's history again when a wave for it is created.
 */
@ExtendWith(KafkaClusterExtension.class)
class OffsetSyncsBoundTest {
    private static final int PARTITIONS = 3;

    @Test
    void onlyTheWavesTopicsSyncsAreKept(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target)
        throws Exception {
        String prefix = Clients.unique("bound");
        String waved = prefix + "-waved";
        String other = prefix + "-other";
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(waved, PARTITIONS, (short) 1), new NewTopic(other, PARTITIONS, (short) 1));
        }
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 prefix + "-.*", ".*", Map.of());
             RunningProxy proxy = WaveSwitchTest.proxyWithMirror(source, target, mm, Map.of())) {
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                for (int i = 0; i < 30; i++) {
                    for (int part = 0; part < PARTITIONS; part++) {
                        p.send(new ProducerRecord<>(waved, part, "k", "w" + i));
                        p.send(new ProducerRecord<>(other, part, "k", "o" + i));
                    }
                }
                p.flush();
            }
            // MM2 has written syncs for both topics' partitions.
            Await.until("MM2 wrote offset syncs for both topics", Duration.ofSeconds(120),
                () -> syncedTopics(source.bootstrapServers(), mm.offsetSyncsTopic().name()).containsAll(Set.of(waved, other)));

            WaveSwitchTest.createReady(proxy, "waved", waved, List.of());
            double kept = proxy.metric("cutover_proxy_offset_syncs_partitions");
            assertTrue(kept > 0 && kept <= PARTITIONS, "only the wave's topic's partitions are kept: " + kept);

            // A wave for the other topic, created after its syncs were written, reads them again from the start.
            WaveSwitchTest.createReady(proxy, "other", other, List.of());
            Await.until("both topics' syncs kept", Duration.ofSeconds(60),
                () -> proxy.metric("cutover_proxy_offset_syncs_partitions") > kept);
            assertEquals(200, proxy.send("POST", "/waves/waved/switch", null, Map.of()).statusCode());
            assertEquals(200, proxy.send("POST", "/waves/waved/promote", null, Map.of()).statusCode());
            Await.until("a promoted wave's syncs are forgotten", Duration.ofSeconds(30),
                () -> proxy.metric("cutover_proxy_offset_syncs_partitions") <= PARTITIONS);
        }
    }

    private static Set<String> syncedTopics(String bootstrap, String syncsTopic) {
        Set<String> topics = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "allow.auto.create.topics", "false"),
            new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(syncsTopic, Duration.ofSeconds(10)).stream()
                .map(i -> new TopicPartition(syncsTopic, i.partition())).toList();
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    topics.add(OffsetSync.deserializeRecord(r).topicPartition().topic());
                }
            }
        } catch (RuntimeException e) {
            return topics; // the syncs topic may not exist yet: MM2 creates it on its first sync
        }
        return topics;
    }
}
