package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The flip scenario with non-Java clients: librdkafka (through Debian's python3-confluent-kafka)
 * and kafkajs (npm), each an idempotent producer plus a consumer group. `.ci/run` installs both;
 * on a machine without them the test is skipped, except under CI, where that is a failure.
 */
@ExtendWith(KafkaClusterExtension.class)
class NonJavaClientsFlipTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();

    /** A client script in its own process, reporting through an events file. */
    private static final class ExternalClients implements FlipScenario.FlipClients {
        private final Process process;
        private final Path events;
        private final Path stop;

        ExternalClients(List<String> command, Path stop, Path events) throws IOException {
            this.stop = stop;
            this.events = events;
            Path log = Files.createTempFile("client", ".log");
            this.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        private List<JsonNode> read() {
            List<JsonNode> out = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(events)) {
                    if (!line.isBlank()) {
                        out.add(JSON.readTree(line));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out;
        }

        @Override
        public boolean consumedEpoch(int e) {
            return read().stream().anyMatch(n -> n.has("consumed_epoch") && n.get("consumed_epoch").asInt() == e);
        }

        @Override
        public List<String> errors() {
            List<String> errors = new ArrayList<>();
            read().stream().filter(n -> n.has("error")).forEach(n -> errors.add(n.get("error").asText()));
            if (!process.isAlive() && read().stream().noneMatch(n -> n.has("done"))) {
                errors.add("client process exited with " + process.exitValue() + " before it was stopped");
            }
            return errors;
        }

        @Override
        public long stopAndCountAcked() throws Exception {
            Files.writeString(stop, "stop");
            assertTrue(process.waitFor(90, TimeUnit.SECONDS), "client stopped");
            return read().stream().filter(n -> n.has("acked")).mapToLong(n -> n.get("acked").asLong()).sum();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static boolean available(String kind) {
        try {
            List<String> probe = kind.equals("librdkafka")
                ? List.of("/usr/bin/python3", "-c", "import confluent_kafka")
                : List.of("node", "-e", "require('" + CLIENTS.resolve("node_modules/kafkajs") + "')");
            return new ProcessBuilder(probe).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"librdkafka", "kafkajs"})
    void nonJavaClientsFollowATopicFlippedBackAndForth(String kind, EmbeddedKafkaCluster source,
                                                      @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        boolean present = available(kind);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(kind + " is not installed; .ci/run should have installed it");
        }
        assumeTrue(present, kind + " is not installed here (CI installs it)");
        FlipScenario scenario = new FlipScenario(source, target, "flip-" + kind);
        Path stop = Files.createTempFile("flip-stop", "");
        Files.delete(stop);
        Path events = Files.createTempFile("flip-events", ".jsonl");
        try (RunningProxy proxy = RunningProxy.routing(source, target, Map.of())) {
            List<String> args = List.of(proxy.bootstrapServers(), scenario.topic, String.valueOf(FlipScenario.PARTITIONS),
                scenario.epochFile.toString(), stop.toString(), events.toString());
            List<String> command = new ArrayList<>(kind.equals("librdkafka")
                ? List.of("/usr/bin/python3", CLIENTS.resolve("librdkafka_flip.py").toString())
                : List.of("node", CLIENTS.resolve("kafkajs_flip.js").toString()));
            command.addAll(args);
            try (ExternalClients clients = new ExternalClients(command, stop, events)) {
                List<Long> ms = scenario.run(proxy, clients, Duration.ofSeconds(90));
                System.out.println("FLIP-TO-FIRST-RECORD-MS " + kind + " " + FlipScenario.summary(ms));
            }
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"OUT_OF_ORDER_SEQUENCE_NUMBER\""));
            assertEquals(0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_PRODUCER_ID\""));
        } finally {
            FlipScenario.deleteQuietly(stop);
            FlipScenario.deleteQuietly(events);
        }
    }
}
