package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.node.VirtualNode;
import io.cutover.proxy.core.state.FileApiVersionsStore;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.FaultRelay;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One cluster down never takes the other cluster's clients with it: a target that is dead across
 * a proxy restart, and a target that is blackholed (packets dropped, no reset) while clients run.
 */
@ExtendWith(KafkaClusterExtension.class)
class ClusterOutageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final short METADATA_VERSION = 12;
    private static final short FIND_COORDINATOR_VERSION = 4;

    @Test
    void sourceClientsBootstrapAndWorkThroughARestartWhileTheTargetIsDead(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("outage-source");
        String group = Clients.unique("outage-group");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 2, (short) 1));
        }
        EmbeddedKafkaCluster target = EmbeddedKafkaCluster.start("outage-target", 1, Map.of());
        String targetBootstrap = target.bootstrapServers();
        boolean targetDown = false;
        try {
            // A first run with both clusters up: the proxy learns the target's API versions and keeps them.
            RunningProxy first = RunningProxy.routing(source, target, Map.of());
            Path stateDir = first.stateDir();
            ApiVersionsResponseData bothUp;
            try {
                bothUp = apiVersions(first.bootstrapServers());
                Await.until("the target's API versions are kept in the state directory", Duration.ofSeconds(30),
                    () -> keptClusters(stateDir).contains("target"));

                // Health notices a killed target promptly (discovery alone took 30 s or more) and stays 200.
                target.close();
                targetDown = true;
                long killed = System.nanoTime();
                JsonNode degraded = Await.until("/health reports the killed target down", Duration.ofSeconds(15),
                    () -> health(first), h -> h.path("clusters").path("target").path("status").asText().equals("DOWN"));
                System.out.printf("OUTAGE-HEALTH target killed -> /health DOWN after %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
                assertEquals("DEGRADED", degraded.get("status").asText(), degraded.toString());
                assertEquals("UP", degraded.path("clusters").path("source").path("status").asText(), degraded.toString());
            } finally {
                first.close();
            }

            // Restart on the same state directory with the target still dead.
            try (RunningProxy second = RunningProxy.start(source.bootstrapServers(),
                Map.of("clusters.target.bootstrap-servers", List.of(targetBootstrap.split(",")), "discovery.startup-wait", "2 seconds"),
                stateDir)) {
                assertEquals(bothUp, apiVersions(second.bootstrapServers()),
                    "with the target down, clients get the ranges both clusters support, from what was kept");

                try (KafkaProducer<String, String> producer = Clients.producer(second.bootstrapServers(), Map.of());
                     KafkaConsumer<String, String> consumer = Clients.consumer(second.bootstrapServers(), group, Map.of())) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>(topic, "v" + i)).get(30, TimeUnit.SECONDS);
                    }
                    consumer.subscribe(List.of(topic));
                    List<String> read = new ArrayList<>();
                    Await.until("the consumer reads the 10 records through the proxy", Duration.ofSeconds(60), () -> {
                        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                            read.add(r.value());
                        }
                        return read.size() >= 10;
                    });
                    consumer.commitSync(Duration.ofSeconds(30));
                }
                try (Admin admin = Clients.admin(second.bootstrapServers())) {
                    assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic), "listTopics answers from the source");
                    assertTrue(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().anyMatch(n -> n.id() < 100_000),
                        "describeCluster answers with the source's brokers");
                }
                HttpResponse<String> health = second.get("/health");
                assertEquals(200, health.statusCode(), health.body());
                JsonNode h = JSON.readTree(health.body());
                assertEquals("DEGRADED", h.get("status").asText(), health.body());
                assertEquals("UP", h.path("clusters").path("source").path("status").asText(), health.body());
                assertEquals("DOWN", h.path("clusters").path("target").path("status").asText(), health.body());
                assertTrue(h.path("clusters").path("target").path("error").asText().contains("target"), health.body());
            }
        } finally {
            if (!targetDown) {
                target.close();
            }
        }
    }

    /**
     * The target's only broker sits behind a {@link FaultRelay} and advertises the relay's port, so
     * every connection the proxy makes to the target (bootstrap, control links, discovery, clients'
     * broker connections) goes through it; blackholing the relay then stalls them all without a reset.
     */
    @Test
    void aBlackholedTargetStallsNothingOfTheSourceAndRecovers(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("blackhole-source");
        String group = Clients.unique("blackhole-group");
        String targetGroup = Clients.unique("blackhole-target-group");
        String targetTopic = Clients.unique("blackhole-target-topic");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 2, (short) 1));
        }
        Duration requestTimeout = Duration.ofSeconds(3);
        try (FaultRelay relay = FaultRelay.start();
             EmbeddedKafkaCluster target = EmbeddedKafkaCluster.start("blackhole-target", 1,
                 Map.of("advertised.listeners", "EXTERNAL://127.0.0.1:" + relay.port()))) {
            relay.forwardTo(target.bootstrapServers().split(",")[0]);
            try (Admin admin = Clients.admin(relay.address())) {
                Topics.create(admin, new NewTopic(targetTopic, 1, (short) 1));
            }
            try (LogCapture upstreamLog = LogCapture.of("io.cutover.proxy.server.upstream");
                 LogCapture connectionLog = LogCapture.connections();
                 RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), relay.address(),
                     Map.of("limits.upstream-request-timeout", requestTimeout.toSeconds() + " seconds",
                         "discovery.probe-interval", "1 second"));
                 KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of());
                 KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), group, Map.of())) {
                proxy.flip("group", targetGroup, "target");
                proxy.flipTopic(targetTopic, "target");
                Await.until("both clusters up", Duration.ofSeconds(30), () -> health(proxy).get("status").asText().equals("UP"));
                for (VirtualNode n : proxy.server().nodes().nodes()) {
                    if (n.cluster().equals("target")) {
                        assertEquals(relay.port(), n.upstreamPort(), "the proxy reaches the target's broker only through the relay: " + n);
                    }
                }
                consumer.subscribe(List.of(topic));
                List<String> read = new ArrayList<>();
                produceAndRead(producer, consumer, topic, "before", read);

                relay.blackhole();
                long blackholed = System.nanoTime();
                try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                    // Asked before the proxy knows: the target's part waits at most the request timeout.
                    raw.setTimeoutMillis(30_000);
                    MetadataResponseData all = metadata(raw, null);
                    long firstAllTopics = elapsedMillis(blackholed);
                    System.out.printf("OUTAGE-BLACKHOLE all-topics Metadata right after the blackhole: %d ms%n", firstAllTopics);
                    assertNotNull(all.topics().find(topic), "all-topics Metadata lists the source's topics");
                    assertTrue(firstAllTopics < requestTimeout.toMillis() + 2_000, "took " + firstAllTopics + " ms");
                }

                // Nothing is reset, so only the control link's request deadline can notice: its probe expires.
                JsonNode down = Await.until("/health reports the blackholed target down", Duration.ofSeconds(30),
                    () -> health(proxy), h -> h.path("clusters").path("target").path("status").asText().equals("DOWN"));
                long detected = elapsedMillis(blackholed);
                System.out.printf("OUTAGE-BLACKHOLE /health DOWN %d ms after the blackhole (probe 1 s, request timeout %d ms)%n",
                    detected, requestTimeout.toMillis());
                assertTrue(detected < 10_000, "health took " + detected + " ms to see the blackhole");
                assertEquals("DEGRADED", down.get("status").asText(), down.toString());
                assertTrue(down.path("clusters").path("target").path("error").asText().contains("limits.upstream-request-timeout"),
                    down.toString());
                assertEquals(200, proxy.get("/health").statusCode());
                Await.until("a log line says the stuck request expired and its connection closes", Duration.ofSeconds(10),
                    () -> upstreamLog.contains("did not answer", "limits.upstream-request-timeout", "closing the connection"));

                // Source clients go on as if nothing happened.
                produceAndRead(producer, consumer, topic, "during", read);
                try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                    raw.setTimeoutMillis(30_000);
                    long t = System.nanoTime();
                    MetadataResponseData one = metadata(raw, List.of(topic));
                    assertEquals(Errors.NONE.code(), one.topics().find(topic).errorCode());
                    FindCoordinatorResponseData coordinator = findCoordinator(raw, group);
                    assertEquals(Errors.NONE.code(), coordinator.coordinators().get(0).errorCode(), coordinator.toString());
                    long sourceOnly = elapsedMillis(t);

                    // What needs the target is answered, at once now that the target is known down, with
                    // retriable errors, on a connection that stays open.
                    t = System.nanoTime();
                    MetadataResponseData all = metadata(raw, null);
                    long allTopics = elapsedMillis(t);
                    assertNotNull(all.topics().find(topic), "all-topics Metadata lists the source's topics");
                    t = System.nanoTime();
                    MetadataResponseData onTarget = metadata(raw, List.of(targetTopic));
                    FindCoordinatorResponseData targetCoordinator = findCoordinator(raw, targetGroup);
                    long targetOnly = elapsedMillis(t);
                    assertEquals(Errors.LEADER_NOT_AVAILABLE.code(), onTarget.topics().find(targetTopic).errorCode());
                    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), targetCoordinator.coordinators().get(0).errorCode());
                    System.out.printf("OUTAGE-BLACKHOLE source topic + group %d ms, all-topics Metadata %d ms, target topic + group %d ms%n",
                        sourceOnly, allTopics, targetOnly);
                    assertTrue(sourceOnly < requestTimeout.toMillis(), "source-only requests took " + sourceOnly + " ms");
                    assertTrue(allTopics < requestTimeout.toMillis(), "all-topics Metadata took " + allTopics + " ms");
                    assertTrue(targetOnly < requestTimeout.toMillis(), "target-routed requests took " + targetOnly + " ms");
                    assertEquals(Errors.NONE.code(), metadata(raw, List.of(topic)).topics().find(topic).errorCode(),
                        "the client's connection is still served");
                }
                try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
                    assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
                }
                assertTrue(!connectionLog.contains("cannot answer"), "no client connection was closed for want of an answer: "
                    + connectionLog.lines());

                relay.restore();
                long restored = System.nanoTime();
                Await.until("/health reports both clusters up again", Duration.ofSeconds(60),
                    () -> health(proxy).get("status").asText().equals("UP"));
                System.out.printf("OUTAGE-BLACKHOLE /health UP %d ms after the restore%n", elapsedMillis(restored));
                try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                    raw.setTimeoutMillis(30_000);
                    Await.until("the target's topic and group are served again", Duration.ofSeconds(30),
                        () -> metadata(raw, List.of(targetTopic)).topics().find(targetTopic).errorCode() == Errors.NONE.code()
                            && findCoordinator(raw, targetGroup).coordinators().get(0).errorCode() == Errors.NONE.code());
                }
                produceAndRead(producer, consumer, topic, "after", read);
            }
        }
    }

    private static void produceAndRead(KafkaProducer<String, String> producer, KafkaConsumer<String, String> consumer, String topic,
                                       String phase, List<String> read) throws Exception {
        for (int i = 0; i < 5; i++) {
            // A source write does not wait on the target at all; 20 s only bounds a loaded machine.
            producer.send(new ProducerRecord<>(topic, phase + "-" + i)).get(20, TimeUnit.SECONDS);
        }
        Await.until("the consumer reads what was written " + phase, Duration.ofSeconds(60), () -> {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                read.add(r.value());
            }
            return read.contains(phase + "-4");
        });
    }

    private static MetadataResponseData metadata(RawKafkaClient raw, List<String> topics) {
        MetadataRequestData request = new MetadataRequestData().setAllowAutoTopicCreation(false);
        if (topics == null) {
            request.setTopics(null);
        } else {
            for (String t : topics) {
                request.topics().add(new MetadataRequestData.MetadataRequestTopic().setName(t).setTopicId(Uuid.ZERO_UUID));
            }
        }
        raw.send(ApiKeys.METADATA, METADATA_VERSION, request);
        return raw.receive(ApiKeys.METADATA, METADATA_VERSION).as(MetadataResponseData.class);
    }

    private static FindCoordinatorResponseData findCoordinator(RawKafkaClient raw, String group) {
        raw.send(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION,
            new FindCoordinatorRequestData().setKeyType((byte) 0).setCoordinatorKeys(List.of(group)));
        return raw.receive(ApiKeys.FIND_COORDINATOR, FIND_COORDINATOR_VERSION).as(FindCoordinatorResponseData.class);
    }

    private static ApiVersionsResponseData apiVersions(String bootstrap) {
        try (RawKafkaClient client = RawKafkaClient.connect(bootstrap)) {
            client.setTimeoutMillis(30_000);
            short v = ApiKeys.API_VERSIONS.latestVersion();
            client.send(ApiKeys.API_VERSIONS, v, new ApiVersionsRequestData()
                .setClientSoftwareName("outage-test").setClientSoftwareVersion("1.0"));
            ApiVersionsResponseData r = client.receive(ApiKeys.API_VERSIONS, v).as(ApiVersionsResponseData.class);
            assertEquals(Errors.NONE.code(), r.errorCode());
            // The epoch counts the source's feature updates since; only the ranges are compared.
            return r.setThrottleTimeMs(0).setFinalizedFeaturesEpoch(0);
        }
    }

    private static List<String> keptClusters(Path stateDir) {
        Path file = stateDir.resolve(FileApiVersionsStore.FILE_NAME);
        if (!Files.exists(file)) {
            return List.of();
        }
        return new ArrayList<>(new FileApiVersionsStore(stateDir).load().keySet());
    }

    private static JsonNode health(RunningProxy proxy) {
        try {
            return JSON.readTree(proxy.get("/health").body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long elapsedMillis(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }
}
