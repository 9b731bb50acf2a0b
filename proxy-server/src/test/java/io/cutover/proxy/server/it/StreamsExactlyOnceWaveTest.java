package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static io.cutover.proxy.server.it.WaveSwitchTest.proxyWithMirror;
import static io.cutover.proxy.server.it.WaveSwitchTest.toJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Kafka Streams application on exactly_once_v2 (commit every 100 ms), in the test JVM,
 * reading and writing through the proxy while a producer feeds it, is moved with its wave (input and
 * output topics, its group) from source to target, MirrorMaker 2 copying between them. The wave moves
 * the application's transactional ids by its application.id prefix and switches it between two of
 * its transactions. Every input record's output is on the target afterwards, read_committed, and
 * the records processed twice are at most what the switch reported it could re-deliver.
 */
@ExtendWith(KafkaClusterExtension.class)
class StreamsExactlyOnceWaveTest {

    @Test
    void anExactlyOnceStreamsApplicationMovesWithItsWave(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target,
                                                         @TempDir Path stateDir) throws Exception {
        String prefix = Clients.unique("eos");
        String input = prefix + "-input";
        String output = prefix + "-output";
        String appId = prefix + "-app";
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(input, 3, (short) 1), new NewTopic(output, 3, (short) 1));
        }
        AtomicReference<Throwable> streamsFailure = new AtomicReference<>();
        try (EmbeddedMirrorMaker mm = EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(),
                 prefix + ".*", ".*", Map.of());
             RunningProxy proxy = proxyWithMirror(source, target, mm, Map.of());
             WaveWorkload feeder = new WaveWorkload(proxy.bootstrapServers(), input);
             KafkaStreams streams = upperCase(proxy.bootstrapServers(), appId, input, output, stateDir)) {
            streams.setUncaughtExceptionHandler(e -> {
                streamsFailure.compareAndSet(null, e);
                return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
            });
            streams.start();
            feeder.produce("feeder", 4);
            Await.until("the application turned 200 records into output", Duration.ofSeconds(90),
                () -> readCommitted(source.bootstrapServers(), output).size() >= 200);

            String body = "{\"name\":\"eos\",\"topics\":" + toJson(List.of(input, output)) + ",\"groups\":" + toJson(List.of(appId)) + "}";
            assertEquals(201, proxy.send("POST", "/waves", body, Map.of()).statusCode());
            JsonNode ready = Await.until("wave eos READY", Duration.ofSeconds(90),
                () -> json(proxy.send("POST", "/waves/eos/check", null, Map.of())), w -> w.get("state").asText().equals("READY"));
            System.out.println("EOS-WAVE gates " + ready.get("gates"));

            HttpResponse<String> switched = proxy.send("POST", "/waves/eos/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            JsonNode report = json(switched).get("lastSwitch");
            System.out.println("EOS-WAVE-SWITCH " + report);
            assertTrue(report.path("transactionalIds").path("prefixes").toString().contains(appId + "-"), report.toString());

            int ackedAtSwitch = feeder.ackedCount();
            Await.until("300 more records fed after the switch", Duration.ofSeconds(60), () -> feeder.ackedCount() >= ackedAtSwitch + 300);
            feeder.stopProducing();
            assertNull(feeder.failure(), () -> "feeder: " + feeder.failure());
            Set<String> expected = new HashSet<>();
            feeder.acked().forEach(a -> expected.add(a.value().toUpperCase()));

            // Every input record's output is on the target, committed.
            List<String> outputOnTarget = Await.until("every input record's output on the target", Duration.ofSeconds(120),
                () -> readCommitted(target.bootstrapServers(), output), out -> new HashSet<>(out).containsAll(expected));
            long twice = outputOnTarget.size() - new HashSet<>(outputOnTarget).size();
            long bound = report.path("groups").path(appId).path("maxRedelivery").asLong(0);
            System.out.println("EOS-WAVE outputs=" + outputOnTarget.size() + " distinct=" + new HashSet<>(outputOnTarget).size()
                + " processedTwice=" + twice + " reportedBound=" + bound);
            assertTrue(twice <= bound, twice + " records were processed twice, more than the switch's reported bound " + bound);
            assertTrue(new HashSet<>(outputOnTarget).equals(expected), "nothing but the inputs' outputs");
            assertNull(streamsFailure.get(), () -> "the Streams application failed: " + streamsFailure.get());
            assertEquals(KafkaStreams.State.RUNNING, streams.state());
        }
    }

    static KafkaStreams upperCase(String bootstrap, String appId, String input, String output, Path stateDir) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve("streams")).toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        StreamsBuilder b = new StreamsBuilder();
        b.<String, String>stream(input).processValues(UpperCaseWithProcessingId::new).to(output);
        return new KafkaStreams(b.build(), p);
    }

    /** The header each output carries: an id of its own per processing, kept by MirrorMaker 2's copies. */
    static final String PROCESSING_ID = "processing-id";

    /**
     * Upper-cases the value and stamps the output with a new {@link #PROCESSING_ID}: an input processed
     * twice (each time committed) gives two outputs with different ids, while a replicator's second
     * copy of one output carries the same id. Tells an application's duplicates from MM2's.
     */
    private static final class UpperCaseWithProcessingId implements FixedKeyProcessor<String, String, String> {
        private FixedKeyProcessorContext<String, String> context;

        @Override
        public void init(FixedKeyProcessorContext<String, String> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, String> record) {
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            headers.add(PROCESSING_ID, java.util.UUID.randomUUID().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            context.forward(record.withValue(record.value().toUpperCase()).withHeaders(headers));
        }
    }

    /** Every committed value of {@code topic}, from the start to the end, through a read_committed consumer. */
    private static List<String> readCommitted(String bootstrap, String topic) {
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(bootstrap, null, Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed"))) {
            List<TopicPartition> partitions = new ArrayList<>();
            c.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = new HashMap<>(c.endOffsets(partitions));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }
}
