package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.OpenApiSpec;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import io.cutover.proxy.server.testkit.Topics;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Leaving a fleet: POST /drain turns readiness off at once while liveness stays, closes the
 * listeners, and closes every client connection within fleet.drain-period, each once its requests
 * are answered. An idempotent producer writing through the draining proxy moves to another proxy of
 * the fleet through its bootstrap list, and the broker's log holds every value it saw acknowledged
 * exactly once.
 */
@ExtendWith(KafkaClusterExtension.class)
class DrainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenApiSpec SPEC = OpenApiSpec.bundled();
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final int OUTSTANDING = 500;

    @Test
    void readinessTurnsOffAtOnceWhileLivenessStaysAndASecondDrainIsRefused(EmbeddedKafkaCluster source) throws Exception {
        try (RunningProxy proxy = RunningProxy.in(source, Map.of("fleet.drain-period", "2 seconds"))) {
            AtomicInteger exits = new AtomicInteger();
            proxy.server().onDrained(exits::incrementAndGet);

            HttpResponse<String> ready = proxy.get("/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("ready", json(ready).get("status").asText());
            conforms("GET /health/ready", ready);
            HttpResponse<String> live = proxy.get("/health/live");
            assertEquals(200, live.statusCode(), live.body());
            conforms("GET /health/live", live);
            assertEquals(0, proxy.metric("cutover_proxy_draining"));

            assertEquals(401, proxy.sendWithoutToken("POST", "/drain").statusCode(), "a drain needs the admin token");
            assertEquals(200, proxy.get("/health/ready").statusCode(), "a refused drain changes nothing");

            HttpResponse<String> drain = proxy.send("POST", "/drain", null, Map.of());
            assertEquals(202, drain.statusCode(), drain.body());
            // With no client connected there is nothing to wait for: it may be over by the time it answers.
            assertTrue(Set.of("draining", "drained").contains(json(drain).get("status").asText()), drain.body());
            conforms("POST /drain", drain);

            // At once, not eventually: a load balancer polling right after the request must see it.
            HttpResponse<String> notReady = proxy.get("/health/ready");
            assertEquals(503, notReady.statusCode(), notReady.body());
            assertEquals("draining", json(notReady).get("status").asText());
            conforms("GET /health/ready", notReady);
            assertEquals(200, proxy.get("/health/live").statusCode(), "a draining proxy is alive: it must not be restarted");
            assertEquals(200, proxy.get("/health").statusCode(), "GET /health still reports the clusters as before");
            assertEquals(1, proxy.metric("cutover_proxy_draining"));

            HttpResponse<String> again = proxy.send("POST", "/drain", null, Map.of());
            assertEquals(409, again.statusCode(), again.body());
            assertTrue(json(again).get("error").asText().contains("already draining"), again.body());
            conforms("POST /drain", again);

            // No client was connected: the drain is over at once, and the process would exit.
            Await.until("the drain to end", PATIENCE, () -> exits.get() == 1);
            assertEquals(1, exits.get(), "onDrained runs once");
            assertTrue(Files.readAllLines(proxy.stateDir().resolve("audit.log")).stream()
                .anyMatch(l -> l.contains("\"action\":\"drain\"")), "the drain is audited");
        }
    }

    /** {@code ctl drain}: refused without --yes (nothing sent), a drain with it; a second one is the proxy's 409. */
    @Test
    void ctlDrainAsksForYesThenDrains(EmbeddedKafkaCluster source) {
        try (RunningProxy proxy = RunningProxy.in(source, Map.of("fleet.drain-period", "2 seconds"))) {
            AtomicInteger exits = new AtomicInteger();
            proxy.server().onDrained(exits::incrementAndGet);
            String[] base = {"ctl", "drain", "--admin", proxy.admin("").toString(), "--token",
                proxy.server().adminTokens().values().iterator().next()};

            Ctl refused = ctl(base);
            assertEquals(2, refused.code(), refused.err());
            assertTrue(refused.err().contains("--yes"), refused.err());
            assertEquals(200, proxy.get("/health/ready").statusCode(), "without --yes nothing was sent");

            String[] yes = java.util.Arrays.copyOf(base, base.length + 1);
            yes[base.length] = "--yes";
            Ctl drained = ctl(yes);
            assertEquals(0, drained.code(), drained.err());
            assertTrue(drained.out().contains("readiness is off"), drained.out());
            assertEquals(503, proxy.get("/health/ready").statusCode());

            Ctl again = ctl(yes);
            assertEquals(1, again.code(), again.out());
            assertTrue(again.err().contains("already draining"), again.err());
            Await.until("the drain to end", PATIENCE, () -> exits.get() == 1);
        }
    }

    private record Ctl(int code, String out, String err) {
    }

    private static Ctl ctl(String... args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = io.cutover.proxy.server.cli.Main.run(args, new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
            new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        return new Ctl(code, out.toString(java.nio.charset.StandardCharsets.UTF_8), err.toString(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void anIdempotentProducerMovesToAnotherProxyAndTheLogHoldsEveryAcknowledgedValueOnce(EmbeddedKafkaCluster source)
        throws Exception {
        String topic = Clients.unique("drain");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 3, (short) 1));
        }
        // The second proxy of the fleet listens on a port reserved now, started only once the
        // producer is on the first, so the producer surely starts on the one that drains.
        int secondPort = RunningProxy.nextPortRange();
        Map<String, Object> fleet = Map.of("fleet.drain-period", "2 seconds");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        AtomicReference<Exception> failed = new AtomicReference<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        try (RunningProxy draining = RunningProxy.in(source, fleet)) {
            AtomicInteger exits = new AtomicInteger();
            draining.server().onDrained(exits::incrementAndGet);
            Map<String, Object> producerConfig = idempotentSmallBatches();
            producerConfig.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
            String bootstrap = draining.bootstrapServers() + ",127.0.0.1:" + secondPort;
            KafkaProducer<String, String> producer = Clients.producer(bootstrap, producerConfig);
            Thread sender = sender(producer, topic, acked, sending, failed);
            try {
                Await.until("acknowledged writes through the first proxy", PATIENCE, () -> acked.size() >= 2000);
                try (RunningProxy other = RunningProxy.in(source, Map.of("fleet.drain-period", "2 seconds",
                    "listener.bootstrap-port", secondPort))) {
                    assertEquals(200, other.get("/health/ready").statusCode(), "the rest of the fleet is ready for the moved clients");
                    int before = acked.size();
                    HttpResponse<String> drain = draining.send("POST", "/drain", null, Map.of());
                    assertEquals(202, drain.statusCode(), drain.body());

                    // New connections are refused from the start of the drain, at the bootstrap port and every broker port.
                    assertRefused(draining.bootstrapServers());
                    for (var node : draining.server().nodes().nodes()) {
                        assertRefused("127.0.0.1:" + node.port());
                    }

                    Await.until("every connection of the draining proxy closed", PATIENCE, () -> draining.server().drained().isDone());
                    Await.until("the process to be told to exit", PATIENCE, () -> exits.get() == 1);
                    assertTrue(draining.server().connectionsClosedByDrain() >= 1, "the drain closed the producer's connections");
                    assertEquals(draining.server().connectionsClosedByDrain(), draining.metric("cutover_proxy_drain_connections_closed_total"));
                    assertNull(draining.server().uncertainWrites().latest("source", Set.of(topic), System.nanoTime()),
                        "no write was left without its answer when its connection closed");

                    // The producer found the other proxy through its bootstrap list, and goes on.
                    int afterDrain = acked.size();
                    Await.until("acknowledged writes through the other proxy", PATIENCE, () -> acked.size() >= afterDrain + 2000);
                    assertTrue(acked.size() > before, "the producer kept writing across the drain");
                    sending.set(false);
                    sender.join();
                    producer.flush();
                }
            } finally {
                sending.set(false);
                sender.join();
                producer.close(Duration.ofSeconds(10));
            }
        }
        assertNull(failed.get(), () -> "send threw: " + failed.get());
        Map<String, Integer> inLog = TopicLog.valueCounts(source.bootstrapServers(), topic);
        List<String> missing = new ArrayList<>();
        List<String> doubled = new ArrayList<>();
        for (String v : acked) {
            Integer n = inLog.get(v);
            if (n == null) {
                missing.add(v);
            } else if (n > 1) {
                doubled.add(v);
            }
        }
        inLog.forEach((v, n) -> {
            if (n > 1 && !doubled.contains(v)) {
                doubled.add(v);
            }
        });
        assertTrue(missing.isEmpty(), () -> missing.size() + " acknowledged values are not in the log, e.g. " + missing.subList(0, 1));
        assertTrue(doubled.isEmpty(), () -> doubled.size() + " values are in the log more than once, e.g. " + doubled.subList(0, 1));
    }

    /**
     * A request still waiting when the drain reaches its connection is answered before the close:
     * a Fetch the broker holds for its max wait (an empty partition, min bytes 1) keeps the
     * connection open past the drain's start, its answer arrives, and only then does the
     * connection close.
     */
    @Test
    void aRequestStillWaitingIsAnsweredBeforeItsConnectionCloses(EmbeddedKafkaCluster source) throws Exception {
        String topic = Clients.unique("drain-wait");
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 1, (short) 1));
        }
        int maxWaitMs = 3000;
        try (RunningProxy proxy = RunningProxy.in(source, Map.of("fleet.drain-period", "100 milliseconds"));
             RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            short v12 = 12;
            FetchRequestData fetch = new FetchRequestData().setReplicaId(-1).setMaxWaitMs(maxWaitMs).setMinBytes(1).setMaxBytes(1 << 20)
                .setIsolationLevel((byte) 0).setSessionId(0).setSessionEpoch(-1)
                .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(topic).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20)))));
            int correlationId = client.send(ApiKeys.FETCH, v12, fetch);
            Await.until("the Fetch forwarded and waiting at the broker", PATIENCE,
                () -> proxy.metric("cutover_proxy_cluster_requests_total", "api=\"Fetch\"") >= 1);

            long drainAt = System.nanoTime();
            assertEquals(202, proxy.send("POST", "/drain", null, Map.of()).statusCode());
            assertFalse(proxy.server().drained().isDone(), "the connection waits for its Fetch's answer");

            RawKafkaClient.Response answer = client.receive(ApiKeys.FETCH, v12);
            assertEquals(correlationId, answer.correlationId());
            assertEquals(Errors.NONE.code(), answer.as(FetchResponseData.class).errorCode());
            assertTrue(client.closedByPeer(), "then the drain closes the connection");
            Await.until("the drain over", PATIENCE, () -> proxy.server().drained().isDone());
            assertTrue(System.nanoTime() - drainAt >= Duration.ofMillis(maxWaitMs / 2).toNanos(),
                "the drain waited for the broker's answer rather than its own 100 ms period");
            assertEquals(1, proxy.server().connectionsClosedByDrain());
        }
    }

    /** A producer's settings for many small idempotent acks=all batches in flight, which a drain must not lose or double. */
    static Map<String, Object> idempotentSmallBatches() {
        Map<String, Object> producerConfig = new HashMap<>();
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        producerConfig.put(ProducerConfig.BATCH_SIZE_CONFIG, 2048);
        return producerConfig;
    }

    /**
     * Sends "v-0", "v-1", ... while {@code sending}, with at most {@link #OUTSTANDING} unanswered, so
     * that send() never blocks on a full buffer while no proxy takes the writes; {@code acked} gets
     * each value the producer saw acknowledged.
     */
    static Thread sender(KafkaProducer<String, String> producer, String topic, Set<String> acked, AtomicBoolean sending,
                         AtomicReference<Exception> failed) {
        Semaphore outstanding = new Semaphore(OUTSTANDING);
        Thread t = new Thread(() -> {
            try {
                for (int i = 0; sending.get(); ) {
                    if (!outstanding.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                        continue;
                    }
                    String value = "v-" + i;
                    producer.send(new ProducerRecord<>(topic, Integer.toString(i % 30), value), (md, e) -> {
                        outstanding.release();
                        if (e == null) {
                            acked.add(value);
                        }
                    });
                    i++;
                }
            } catch (Exception e) {
                failed.set(e);
            }
        }, "drain-test-sender");
        t.start();
        return t;
    }

    private static void assertRefused(String hostPort) {
        String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
        int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
        // The listeners close right after the drain's answer; a connect races that by a moment.
        Await.until("connections to " + hostPort + " refused", PATIENCE, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
                return false;
            } catch (ConnectException refused) {
                return true;
            } catch (IOException other) {
                return false;
            }
        });
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 2000);
            }
        });
    }

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    private static void conforms(String operation, HttpResponse<String> r) {
        Map<String, String> headers = new HashMap<>();
        r.headers().map().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
        OpenApiSpec.Answer a = new OpenApiSpec.Answer(r.statusCode(), headers.get("content-type"), r.body(), headers);
        JsonNode response = SPEC.response(operation, r.statusCode());
        assertTrue(response != null, operation + " answered " + r.statusCode() + ", which openapi.json does not list");
        List<String> problems = SPEC.problems(response, a);
        assertTrue(problems.isEmpty(), () -> operation + " does not match openapi.json: " + problems + "\nbody: " + r.body());
    }
}
