package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.ConnectWorker;
import io.cutover.proxy.server.testkit.CountingSinkConnector;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Kafka Streams application and a real Kafka Connect worker, both in the test JVM and both
 * through the proxy, show up in the inventory as applications of their kind; a wave that holds only
 * the Streams application's input topic gets a warning naming its changelog and repartition topics.
 */
@ExtendWith(KafkaClusterExtension.class)
class ApplicationInventoryTest {
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @Test
    void streamsAndConnectAreApplicationsAndASplitStreamsAppIsWarnedOf(EmbeddedKafkaCluster source,
                                                                      @Brokers(name = "target") EmbeddedKafkaCluster target,
                                                                      @TempDir Path stateDir) throws Exception {
        String appId = Clients.unique("wordcount");
        String input = Clients.unique("words");
        String output = Clients.unique("counts");
        String sinkTopic = Clients.unique("payments");
        String connectGroup = Clients.unique("etl");
        String connector = Clients.unique("sink");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1),
                new NewTopic(sinkTopic, 1, (short) 1))).all().get();
        }
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of("waves.mapping", "identity"));
             KafkaStreams streams = wordCount(proxy.bootstrapServers(), appId, input, output, stateDir);
             ConnectWorker worker = ConnectWorker.start(proxy.bootstrapServers(), connectGroup, RunningProxy.nextPortRange())) {
            streams.start();
            worker.countingSink(connector, sinkTopic);
            long before = CountingSinkConnector.RECORDS.get();
            try (KafkaProducer<String, String> p = Clients.producer(proxy.bootstrapServers(), Map.of("client.id", "words-producer"))) {
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>(input, "k" + i, "word" + (i % 5)));
                    p.send(new ProducerRecord<>(sinkTopic, "k" + i, "payment" + i));
                }
                p.flush();
            }
            Await.until("the sink connector's task counted the records", DEADLINE,
                () -> CountingSinkConnector.RECORDS.get() - before >= 50);
            String changelog = appId + "-counts-changelog";
            String repartition = appId + "-counts-repartition";

            JsonNode apps = Await.until("the Streams application with its internal topics, and the Connect cluster with its connector",
                DEADLINE, () -> json(proxy.send("GET", "/clients", null, Map.of())).get("applications"),
                a -> {
                    JsonNode s = app(a, "kafka-streams", appId);
                    JsonNode c = app(a, "kafka-connect", connectGroup);
                    return s != null && names(s.get("internalTopics")).containsAll(List.of(changelog, repartition))
                        && names(s.get("topics")).contains(output)
                        && c != null && names(c.get("connectors")).contains(connector);
                });
            JsonNode streamsApp = app(apps, "kafka-streams", appId);
            assertTrue(names(streamsApp.get("groups")).contains(appId), streamsApp.toString());
            assertTrue(names(streamsApp.get("topics")).containsAll(List.of(input, output)), streamsApp.toString());
            assertTrue(streamsApp.get("clients").size() >= 2, "StreamThread consumer and producer: " + streamsApp);
            for (JsonNode c : streamsApp.get("clients")) {
                assertTrue(c.asText().startsWith(appId + "-"), "a StreamThread client id: " + c);
            }
            JsonNode connectApp = app(apps, "kafka-connect", connectGroup);
            assertTrue(names(connectApp.get("groups")).containsAll(List.of(connectGroup, "connect-" + connector)), connectApp.toString());
            assertTrue(names(connectApp.get("topics")).contains(sinkTopic), connectApp.toString());
            // The producer that feeds both is an application of its own, not part of either.
            assertNotNull(app(apps, "producer", "words-producer"), apps.toString());
            // Each client names its application.
            for (JsonNode c : json(proxy.send("GET", "/clients", null, Map.of())).get("clients")) {
                if (c.get("clientId").asText().startsWith(appId + "-")) {
                    assertEquals("kafka-streams", c.get("application").get("kind").asText(), c.toString());
                    assertEquals(appId, c.get("application").get("name").asText(), c.toString());
                }
            }

            // A wave with the input topic and the application's group, but not its internal topics.
            String body = "{\"name\":\"streams-input\",\"topics\":[\"" + input + "\"],\"groups\":[\"" + appId + "\"]}";
            assertEquals(201, proxy.send("POST", "/waves", body, Map.of()).statusCode());
            JsonNode checked = json(proxy.send("POST", "/waves/streams-input/check", null, Map.of()));
            JsonNode gate = gate(checked, "clients-in-wave");
            String warnings = gate.get("warnings").toString();
            assertTrue(warnings.contains("Kafka Streams application " + appId), warnings);
            assertTrue(warnings.contains(changelog) && warnings.contains(repartition), "names the missing internal topics: " + warnings);
            assertEquals("PASS_WITH_WARNINGS", gate.get("status").asText());
            JsonNode row = null;
            for (JsonNode r : gate.get("evidence").get("applications")) {
                if (r.get("name").asText().equals(appId)) {
                    row = r;
                }
            }
            assertNotNull(row, gate.toString());
            assertEquals(List.of(changelog, repartition), names(row.get("internalTopicsLeftOut")));

            // A wave with the internal topics (and the output) is not short of them; only the input, in the other wave, is left.
            String rest = "{\"name\":\"streams-rest\",\"topics\":[\"" + output + "\",\"" + changelog + "\",\"" + repartition + "\"]}";
            assertEquals(201, proxy.send("POST", "/waves", rest, Map.of()).statusCode());
            String restWarnings = gate(json(proxy.send("POST", "/waves/streams-rest/check", null, Map.of())), "clients-in-wave")
                .get("warnings").toString();
            assertTrue(!restWarnings.contains("leaves out its internal topics") && restWarnings.contains(input), restWarnings);

            // ctl clients groups the clients by application.
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = io.cutover.proxy.server.cli.Main.run(new String[] {"ctl", "clients", "--admin", proxy.admin("").toString(),
                "--token", proxy.server().adminTokens().values().iterator().next()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            String table = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, table);
            assertTrue(table.contains("kafka-streams") && table.contains(appId), table);
            assertTrue(table.contains("kafka-connect") && table.contains(connectGroup), table);
        }
    }

    private static KafkaStreams wordCount(String bootstrap, String appId, String input, String output, Path stateDir) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(stateDir.resolve("streams")).toString());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        StreamsBuilder b = new StreamsBuilder();
        // groupBy re-keys (a repartition topic); count keeps a store (a changelog topic).
        b.<String, String>stream(input)
            .groupBy((k, v) -> v, Grouped.with(Serdes.String(), Serdes.String()))
            .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts"))
            .toStream().to(output, Produced.with(Serdes.String(), Serdes.Long()));
        return new KafkaStreams(b.build(), p);
    }

    private static JsonNode app(JsonNode apps, String kind, String name) {
        for (JsonNode a : apps) {
            if (a.get("kind").asText().equals(kind) && a.get("name").asText().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static JsonNode gate(JsonNode wave, String name) {
        for (JsonNode g : wave.get("gates")) {
            if (g.get("gate").asText().equals(name)) {
                return g;
            }
        }
        throw new AssertionError("no gate " + name + " in " + wave);
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}
