package io.cutover.proxy.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.cutover.proxy.server.embedded.EmbeddedDemo;
import io.cutover.proxy.server.embedded.SampleTraffic;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default, without blocking in Main: the sample producer and consumer reach the source
 * through the proxy, the group commits, MM2 copies the topic to the target, and close() leaves no
 * sample-client thread behind.
 */
class EmbeddedDemoTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** Below the ephemeral range, and away from the ranges PortRanges hands out (20000-26999). */
    private static final int FIRST_BROKER_PORT = 28000 + (int) (ProcessHandle.current().pid() % 50) * 80;

    @Test
    void samplesFlowThroughTheProxyAndMirrorToTheTarget(@TempDir Path stateDir) throws Exception {
        Config settings = ConfigFactory.empty()
            .withValue("cutover-proxy.listener.bootstrap-port", ConfigValueFactory.fromAnyRef(0))
            .withValue("cutover-proxy.listener.broker-ports.first", ConfigValueFactory.fromAnyRef(FIRST_BROKER_PORT))
            .withValue("cutover-proxy.listener.broker-ports.last", ConfigValueFactory.fromAnyRef(FIRST_BROKER_PORT + 39))
            .withValue("cutover-proxy.admin.port", ConfigValueFactory.fromAnyRef(0))
            .withValue("cutover-proxy.state-dir", ConfigValueFactory.fromAnyRef(stateDir.toString()));

        try (EmbeddedDemo demo = EmbeddedDemo.start(settings);
             Admin source = Clients.admin(demo.source().bootstrapServers());
             Admin target = Clients.admin(demo.target().bootstrapServers())) {
            assertEquals(FIRST_BROKER_PORT, demo.proxy().config().listener().brokerPorts().first());
            Await.until("the sample producer's records in " + SampleTraffic.TOPIC + " on the source", DEADLINE,
                () -> records(source), n -> n > 0);
            Await.until("offsets committed by " + SampleTraffic.CONSUMER_GROUP + " on the source", DEADLINE,
                () -> committed(source), n -> n > 0);
            Await.until(SampleTraffic.TOPIC + " copied to the target by MM2", DEADLINE,
                () -> records(target), n -> n > 0);
            // Counted by the clients themselves: both went through the proxy (they know no other address).
            Await.until("the sample consumer counting records", DEADLINE, () -> demo.traffic().recordsConsumed(), n -> n > 0);
        }

        // close() has joined the sample threads; the Kafka clients' own threads carry the client ids.
        assertEquals(List.of(), sampleThreads());
    }

    private static long records(Admin admin) {
        Map<TopicPartition, OffsetSpec> latest = IntStream.range(0, EmbeddedDemo.TOPIC_PARTITIONS).boxed()
            .collect(Collectors.toMap(p -> new TopicPartition(SampleTraffic.TOPIC, p), p -> OffsetSpec.latest()));
        try {
            return admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).values().stream().mapToLong(i -> i.offset()).sum();
        } catch (ExecutionException e) {
            return 0; // the topic is not there yet (on the target, until MM2 creates it)
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long committed(Admin admin) {
        try {
            return admin.listConsumerGroupOffsets(SampleTraffic.CONSUMER_GROUP).partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS).values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> sampleThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(Thread::isAlive)
            .map(Thread::getName)
            .filter(n -> n.startsWith(SampleTraffic.THREAD_PREFIX) || n.contains(SampleTraffic.PRODUCER_CLIENT_ID)
                || n.contains(SampleTraffic.CONSUMER_CLIENT_ID) || n.contains(SampleTraffic.CONSUMER_GROUP))
            .sorted()
            .toList();
    }
}
