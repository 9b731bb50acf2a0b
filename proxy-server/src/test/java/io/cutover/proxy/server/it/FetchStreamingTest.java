package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Megabyte Fetch responses go to the consumer while they still arrive from the broker
 * (limits.stream-fetch-responses), with one cluster and in routing mode, where topic ids and
 * batch epochs are edited as the bytes go by. The consumer checks every batch's CRC and reads
 * every record once: any byte out of place would show.
 */
@ExtendWith(KafkaClusterExtension.class)
class FetchStreamingTest {
    private static final int RECORDS = 8_000;
    private static final String PADDING = "x".repeat(2_000);

    @Test
    void oneClusterAConsumerReadsEveryRecordOfStreamedResponses(EmbeddedKafkaCluster cluster) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(cluster)) {
            readEverythingThrough(proxy, cluster.bootstrapServers());
        }
    }

    @Test
    void routingModeAConsumerReadsEveryRecordOfStreamedResponses(EmbeddedKafkaCluster source) throws Exception {
        try (EmbeddedKafkaCluster target = EmbeddedKafkaCluster.start("streaming-target", 1, Map.of());
             RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            readEverythingThrough(proxy, source.bootstrapServers());
        }
    }

    private static void readEverythingThrough(RunningProxy proxy, String direct) throws Exception {
        String topic = Clients.unique("streamed");
        try (Admin admin = Clients.admin(direct)) {
            Topics.create(admin, new NewTopic(topic, 2, (short) 1));
        }
        try (KafkaProducer<String, String> producer = Clients.producer(direct, Map.of(ProducerConfig.LINGER_MS_CONFIG, 20,
            ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024))) {
            for (int i = 0; i < RECORDS; i++) {
                producer.send(new ProducerRecord<>(topic, i % 2, null, i + ":" + PADDING));
            }
            producer.flush();
        }
        double streamedBefore = proxy.metric("cutover_proxy_fetch_responses_streamed_total");
        BitSet seen = new BitSet(RECORDS);
        int[] twice = {0};
        try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("streamed-group"),
            Map.of(ConsumerConfig.CHECK_CRCS_CONFIG, true, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"))) {
            consumer.subscribe(List.of(topic));
            Await.until("the consumer reads all " + RECORDS + " records through the proxy", Duration.ofSeconds(90), () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    int i = Integer.parseInt(r.value().substring(0, r.value().indexOf(':')));
                    assertEquals(PADDING, r.value().substring(r.value().indexOf(':') + 1), "record " + i + " intact");
                    if (seen.get(i)) {
                        twice[0]++;
                    }
                    seen.set(i);
                }
                return seen.cardinality() == RECORDS;
            });
        }
        assertEquals(0, twice[0], "no record read twice");
        double streamed = proxy.metric("cutover_proxy_fetch_responses_streamed_total") - streamedBefore;
        System.out.printf("FETCH-STREAMING %d records of 2 KB read; %.0f Fetch responses streamed%n", RECORDS, streamed);
        assertTrue(streamed >= 1, "megabyte responses went on while they arrived: " + streamed);
        assertEquals(0.0, proxy.metric("cutover_proxy_errors_total", "code=\"STREAMED_RESPONSE_UNREWRITABLE\"", "origin=\"proxy\""));
    }
}
