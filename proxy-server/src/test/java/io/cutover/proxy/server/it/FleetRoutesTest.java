package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.proxy.core.state.FileRouteStore;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TopicLog;
import io.cutover.proxy.server.testkit.Topics;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fleet mode, first part: the route table lives in a compacted topic on the source, so a change
 * made through one instance routes clients of every instance, two operators writing through two
 * instances at the same moment get one success and one refusal, and a cold instance serves exactly
 * what the others serve. Real brokers, three proxies in this JVM, each with its own state directory.
 */
@ExtendWith(KafkaClusterExtension.class)
class FleetRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ROUNDS = 10;

    private static Map<String, Object> fleet(String stateTopic, String instance) {
        return Map.of("fleet.enabled", true, "fleet.state-topic", stateTopic, "fleet.instance-id", instance,
            "fleet.replication-factor", 1, "fleet.min-insync-replicas", 1);
    }

    private static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }

    private static JsonNode routes(RunningProxy proxy) {
        try {
            return JSON.readTree(proxy.send("GET", "/routes", null, Map.of()).body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String table(String topicPrefix, String cluster) {
        return "{\"rules\":[{\"resource\":\"topic\",\"match\":\"prefix\",\"pattern\":\"" + topicPrefix + "\",\"cluster\":\"" + cluster
            + "\"}]}";
    }

    @Test
    void routeChangesReachEveryInstanceOneOfTwoConcurrentWritersWinsAndAColdInstanceRebuildsTheTable(
        EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target) throws Exception {
        String stateTopic = Clients.unique("fleet-state");
        String topic = Clients.unique("fleet-orders");
        try (Admin admin = Clients.admin(target.bootstrapServers())) {
            Topics.create(admin, new NewTopic(topic, 1, (short) 1));
        }
        JsonNode last;
        Map<Integer, Integer> portsOfA;
        io.cutover.proxy.core.node.PortRange rangeOfA;
        String clusterIdOfA;
        List<Long> convergenceMs = new ArrayList<>();
        List<Long> writeMs = new ArrayList<>();
        try (RunningProxy a = RunningProxy.routing(source, target, fleet(stateTopic, "a"));
             RunningProxy b = RunningProxy.routing(source, target, fleet(stateTopic, "b"))) {
            try (Admin admin = Clients.admin(source.bootstrapServers())) {
                ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, stateTopic);
                Config c = admin.describeConfigs(List.of(r)).all().get().get(r);
                assertEquals("compact", c.get("cleanup.policy").value());
                assertEquals(1, admin.describeTopics(List.of(stateTopic)).allTopicNames().get().get(stateTopic).partitions().size());
            }

            // A change through a routes b's clients: a producer on b lands on the target.
            long asked = System.nanoTime();
            HttpResponse<String> put = a.send("PUT", "/routes", table(topic, "target"), Map.of("If-Match", "\"0\""));
            assertEquals(200, put.statusCode(), put.body());
            writeMs.add((System.nanoTime() - asked) / 1_000_000);
            long started = System.nanoTime();
            Await.until("b serves version 1", Duration.ofSeconds(30), () -> routes(b).get("version").asLong() == 1);
            convergenceMs.add((System.nanoTime() - started) / 1_000_000);
            assertEquals(JSON.readTree(put.body()).get("rules"), routes(b).get("rules"));
            try (KafkaProducer<String, String> producer = Clients.producer(b.bootstrapServers(), Map.of())) {
                producer.send(new ProducerRecord<>(topic, "through-b")).get(30, TimeUnit.SECONDS);
            }
            assertEquals(List.of("through-b"), TopicLog.values(target.bootstrapServers(), topic));

            // Two operators, one through each instance, both working from the same version.
            int wins = 0;
            for (int round = 0; round < ROUNDS; round++) {
                long version = routes(a).get("version").asLong();
                Await.until("b at version " + version, Duration.ofSeconds(30), () -> routes(b).get("version").asLong() == version);
                CountDownLatch go = new CountDownLatch(1);
                String ifMatch = "\"" + version + "\"";
                CompletableFuture<HttpResponse<String>> viaA = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return a.send("PUT", "/routes", table(topic + "-a" + version, "target"), Map.of("If-Match", ifMatch));
                });
                CompletableFuture<HttpResponse<String>> viaB = CompletableFuture.supplyAsync(() -> {
                    await(go);
                    return b.send("PUT", "/routes", table(topic + "-b" + version, "source"), Map.of("If-Match", ifMatch));
                });
                long raced = System.nanoTime();
                go.countDown();
                HttpResponse<String> ra = viaA.get(60, TimeUnit.SECONDS);
                HttpResponse<String> rb = viaB.get(60, TimeUnit.SECONDS);
                writeMs.add((System.nanoTime() - raced) / 1_000_000);
                List<Integer> codes = new ArrayList<>(List.of(ra.statusCode(), rb.statusCode()));
                Collections.sort(codes);
                assertEquals(List.of(200, 412), codes, "round " + round + ": one winner, one refusal: " + ra.body() + " / " + rb.body());
                wins++;
                JsonNode winner = JSON.readTree((ra.statusCode() == 200 ? ra : rb).body());
                long start = System.nanoTime();
                Await.until("both instances serve the winner's table", Duration.ofSeconds(30),
                    () -> routes(a).equals(winner) && routes(b).equals(winner));
                convergenceMs.add((System.nanoTime() - start) / 1_000_000);
            }
            last = routes(a);
            assertEquals(1 + wins, last.get("version").asLong());

            // Only winners are committed in the state topic: a losing write can never come back.
            assertEquals(1 + wins, committedRecords(source.bootstrapServers(), stateTopic));

            // One virtual cluster id for the fleet, as clients see it.
            clusterIdOfA = clusterId(a);
            assertEquals(clusterIdOfA, clusterId(b));
            portsOfA = ports(a);
            rangeOfA = a.server().config().listener().brokerPorts();

            // Waves are the fleet's too: one created through a is listed by b.
            HttpResponse<String> created = a.send("POST", "/waves", "{\"name\":\"w\",\"topics\":[\"" + topic + "\"]}", Map.of());
            assertEquals(201, created.statusCode(), created.body());
            JsonNode seenByB = Await.until("b knows wave w", Duration.ofSeconds(30), () -> b.send("GET", "/waves/w", null, Map.of()),
                r -> r.statusCode() == 200).body().transform(FleetRoutesTest::json);
            assertEquals("PLANNED", seenByB.path("state").asText());
            assertEquals(JSON.readTree(created.body()).path("topics"), seenByB.path("topics"));
        }
        Collections.sort(convergenceMs);
        Collections.sort(writeMs);
        System.out.println("FLEET-ROUTES convergence ms (writer answered -> every instance serves it, polled): median "
            + convergenceMs.get(convergenceMs.size() / 2) + ", max " + convergenceMs.get(convergenceMs.size() - 1) + ", all "
            + convergenceMs + "; write ms (PUT asked -> answered; both writers in a race): median " + writeMs.get(writeMs.size() / 2)
            + ", max " + writeMs.get(writeMs.size() - 1));

        // A cold instance, with an empty state directory, serves exactly the fleet's table, under the
        // same cluster id, with each broker behind the port a gave it (same port range, as on another host).
        Map<String, Object> cold = new HashMap<>(fleet(stateTopic, "c"));
        cold.put("listener.broker-ports.first", rangeOfA.first());
        cold.put("listener.broker-ports.last", rangeOfA.last());
        try (RunningProxy c = RunningProxy.routing(source, target, cold)) {
            assertEquals(last, routes(c));
            assertEquals(clusterIdOfA, clusterId(c));
            assertEquals(portsOfA, ports(c));
            assertFalse(Files.exists(c.stateDir().resolve(FileRouteStore.FILE_NAME)), "fleet mode keeps no routes.json");
        }
    }

    /**
     * Membership: each instance announces itself in the state topic and GET /fleet on any instance
     * lists all of them with the route-table version they serve; a stopped instance leaves the list.
     */
    @Test
    void instancesAnnounceThemselvesAndAStoppedOneLeavesTheList(EmbeddedKafkaCluster source,
                                                               @Brokers(name = "target") EmbeddedKafkaCluster target) {
        String stateTopic = Clients.unique("fleet-members");
        Map<String, Object> fast = new HashMap<>(fleet(stateTopic, "m1"));
        fast.put("fleet.heartbeat-interval", "300 ms");
        Map<String, Object> fast2 = new HashMap<>(fast);
        fast2.put("fleet.instance-id", "m2");
        try (RunningProxy m1 = RunningProxy.routing(source, target, fast)) {
            try (RunningProxy m2 = RunningProxy.routing(source, target, fast2)) {
                JsonNode seen = Await.until("m1 sees both instances live", Duration.ofSeconds(30), () -> fleetOf(m1),
                    f -> f.path("live").asInt() == 2);
                assertEquals("m1", seen.path("instance").asText());
                for (JsonNode m : seen.path("instances")) {
                    String id = m.path("id").asText();
                    RunningProxy self = id.equals("m1") ? m1 : m2;
                    assertEquals(self.bootstrapServers(), m.path("bootstrap").asText(), m.toString());
                    assertEquals("ready", m.path("state").asText(), m.toString());
                    assertEquals(routes(self).path("version").asLong(), m.path("routesVersion").asLong(), m.toString());
                    assertTrue(m.path("stateLagRecords").asLong() >= 0, m.toString());
                }
                assertEquals(2, fleetOf(m2).path("live").asInt());

                // ctl fleet shows the same.
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                int code = io.cutover.proxy.server.cli.Main.run(new String[] {"ctl", "fleet", "--admin", m2.admin("").toString(),
                    "--token", m2.server().adminTokens().values().iterator().next()},
                    new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                    new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8));
                String table = out.toString(java.nio.charset.StandardCharsets.UTF_8);
                assertEquals(0, code, table);
                assertTrue(table.contains("m2 (this)") && table.contains("m1") && table.contains("2 of 2 instances live"), table);
            }
            Await.until("m2 left the list", Duration.ofSeconds(30), () -> fleetOf(m1),
                f -> f.path("instances").size() == 1 && f.path("instances").get(0).path("id").asText().equals("m1"));
        }
    }

    private static JsonNode fleetOf(RunningProxy proxy) {
        try {
            HttpResponse<String> r = proxy.send("GET", "/fleet", null, Map.of());
            assertEquals(200, r.statusCode(), r.body());
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String clusterId(RunningProxy proxy) throws Exception {
        try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
            return admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
        }
    }

    private static Map<Integer, Integer> ports(RunningProxy proxy) {
        Map<Integer, Integer> out = new java.util.TreeMap<>();
        proxy.server().nodes().nodes().forEach(n -> out.put(n.id(), n.port()));
        return out;
    }

    private static void await(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Committed records of the route table in the state topic (beside it: the cluster id and node ports). */
    private static long committedRecords(String bootstrap, String topic) {
        return TopicLog.records(bootstrap, topic, Map.of("isolation.level", "read_committed")).stream()
            .filter(r -> "routes".equals(r.key())).count();
    }
}
