package io.cutover.proxy.server.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * A single-node KRaft Kafka broker of another version, run as a child process from the jars that
 * the kafka-legacy-broker module gathers (Kafka 3.9 today), for tests that need an older source
 * cluster next to a 4.x target.
 */
public final class ExternalKafkaBroker implements AutoCloseable {
    public static final Path LIBS = Path.of("../kafka-legacy-broker/target/lib").toAbsolutePath().normalize();

    private final Process process;
    private final Path dir;
    private final int port;

    private ExternalKafkaBroker(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    public static boolean available() {
        return Files.isDirectory(LIBS) && LIBS.toFile().list((d, n) -> n.startsWith("kafka_2.13-")).length > 0;
    }

    public String version() {
        String[] jars = LIBS.toFile().list((d, n) -> n.startsWith("kafka_2.13-"));
        return jars[0].substring("kafka_2.13-".length(), jars[0].length() - ".jar".length());
    }

    public static ExternalKafkaBroker start() throws Exception {
        Path dir = Files.createTempDirectory("kafka-legacy");
        int port = freePort();
        int controllerPort = freePort();
        Path props = dir.resolve("server.properties");
        Files.writeString(props, String.join("\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "num.partitions=1",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=5",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            ""));
        // Kafka 3.x logs through log4j 1 (reload4j); "Kafka Server started" on stdout is the readiness signal.
        Path log4j = dir.resolve("log4j.properties");
        Files.writeString(log4j, String.join("\n",
            "log4j.rootLogger=WARN, stdout",
            "log4j.logger.kafka.server.KafkaRaftServer=INFO",
            "log4j.logger.kafka.Kafka=INFO",
            "log4j.logger.kafka.server=INFO",
            "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
            "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
            "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
            ""));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = LIBS + "/*";
        Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
            "-c", props.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IllegalStateException("formatting the legacy broker failed: " + Files.readString(dir.resolve("format.log")));
        }
        Path log = dir.resolve("broker.log");
        Process broker = new ProcessBuilder(java, "-Xmx384m", "-Dlog4j.configuration=file:" + log4j, "-cp", cp, "kafka.Kafka",
                props.toString())
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ExternalKafkaBroker b = new ExternalKafkaBroker(broker, dir, port);
        try {
            Await.until("the legacy broker to start", Duration.ofSeconds(90),
                () -> !broker.isAlive() || read(log).contains("Kafka Server started"));
            if (!broker.isAlive()) {
                throw new IllegalStateException("legacy broker exited: " + read(log));
            }
        } catch (RuntimeException | Error e) {
            b.close();
            throw e;
        }
        return b;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
