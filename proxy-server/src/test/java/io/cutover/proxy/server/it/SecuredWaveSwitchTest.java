package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.embedded.EmbeddedMirrorMaker;
import io.cutover.proxy.server.security.SaslUsers;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
import io.cutover.proxy.server.testkit.TestIdentityProvider;
import io.cutover.proxy.server.testkit.WaveWorkload;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing between two secured clusters, each checking its own kind of login: the source on
 * SCRAM-SHA-512 over TLS, the target on OAUTHBEARER over TLS with Kafka's JWT validator reading the
 * keys from a JWKS URL the test serves. Clients log in to the proxy with SCRAM, and each principal
 * reaches each cluster as its mapped identity: a SCRAM user on the source, an OAuth client (whose
 * tokens the proxy fetches) on the target. On both clusters only the mapped identities of alice may
 * write or read the topics, and dave's may only log in; the proxy's own identities may describe and
 * read (for gates and switches), never write. So a record alice writes through the proxy went out
 * as her mapped identity, on whichever cluster the route chose. A topic flip and a wave switch run
 * while alice's producer and groups keep going.
 */
class SecuredWaveSwitchTest {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final String ISSUER = "https://idp.test";
    private static final String AUDIENCE = "kafka-target";
    private static final String TARGET_PROXY_CLIENT = "cutover-proxy-target";
    private static final String TARGET_PROXY_SECRET = "target-proxy-client-secret";
    private static final String ORDERS_APP = "orders-app";
    private static final String ORDERS_SOURCE_PASSWORD = "orders-app-source-scram";
    private static final String ORDERS_TARGET_SECRET = "orders-app-target-client-secret";
    private static final String AUDITOR = "auditor";
    private static final String AUDITOR_SOURCE_PASSWORD = "auditor-source-scram";
    private static final String AUDITOR_TARGET_SECRET = "auditor-target-client-secret";
    private static final String LOGIN_PASSWORD = "proxy-login-secret";
    private static final int PARTITIONS = 3;

    private static TestIdentityProvider idp;
    private static SecuredKafkaCluster source;
    private static SecuredKafkaCluster target;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        idp = TestIdentityProvider.start(ISSUER, AUDIENCE, Duration.ofMinutes(10)).client(TARGET_PROXY_CLIENT, TARGET_PROXY_SECRET)
            .client(ORDERS_APP, ORDERS_TARGET_SECRET).client(AUDITOR, AUDITOR_TARGET_SECRET);
        source = SecuredKafkaCluster.startAuthorizing("wave-scram", Map.of());
        target = SecuredKafkaCluster.startAuthorizing("wave-oauth", Map.of(),
            new SecuredKafkaCluster.BearerTokens(idp.jwksUrl(), ISSUER, AUDIENCE));
        source.addScramUser(ORDERS_APP, ORDERS_SOURCE_PASSWORD);
        source.addScramUser(AUDITOR, AUDITOR_SOURCE_PASSWORD);
        grant(source, SecuredKafkaCluster.PROXY_USER);
        grant(target, TARGET_PROXY_CLIENT);
    }

    /** The same ACLs on both clusters: {@code proxy} may describe and read, orders-app may write and read sw- topics. */
    private static void grant(SecuredKafkaCluster cluster, String proxy) throws Exception {
        String any = ResourcePattern.WILDCARD_RESOURCE;
        cluster.allow(proxy, ResourceType.TOPIC, any, AclOperation.DESCRIBE, AclOperation.READ, AclOperation.DESCRIBE_CONFIGS);
        cluster.allow(proxy, ResourceType.GROUP, any, AclOperation.DESCRIBE, AclOperation.READ);
        // Idempotent producers get their producer ids from the proxy's pool, which its own identity fills.
        // DESCRIBE: the ACLs the access gate reads; DESCRIBE_CONFIGS: the brokers' super.users it judges them with.
        cluster.allow(proxy, ResourceType.CLUSTER, "kafka-cluster", AclOperation.IDEMPOTENT_WRITE, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS);
        cluster.allow(ORDERS_APP, ResourceType.TOPIC, "sw-", AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE);
        cluster.allow(ORDERS_APP, ResourceType.GROUP, "sw-", AclOperation.READ, AclOperation.DESCRIBE);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {source, target, idp}) {
            if (c != null) {
                c.close();
            }
        }
    }

    private Path secret(String name, String value) throws Exception {
        return Files.writeString(dir.resolve(name), value + "\n");
    }

    private Map<String, Object> proxyConfig(EmbeddedMirrorMaker mm) throws Exception {
        Path users = dir.resolve("users.json");
        for (String principal : List.of("alice", "dave")) {
            SaslUsers.add(users, principal, LOGIN_PASSWORD, List.of(ScramMechanism.SCRAM_SHA_512), 4096);
        }
        Path mapping = Files.writeString(dir.resolve("identities.conf"),
            "alice {\n"
                + "  source { mechanism = SCRAM-SHA-512, username = \"" + ORDERS_APP + "\", password-file = \""
                + secret("orders-source.pw", ORDERS_SOURCE_PASSWORD) + "\" }\n"
                + "  target { mechanism = OAUTHBEARER, client-id = \"" + ORDERS_APP + "\", client-secret-file = \""
                + secret("orders-target.secret", ORDERS_TARGET_SECRET) + "\" }\n}\n"
                + "dave {\n"
                + "  source { mechanism = SCRAM-SHA-512, username = \"" + AUDITOR + "\", password-file = \""
                + secret("auditor-source.pw", AUDITOR_SOURCE_PASSWORD) + "\" }\n"
                + "  target { mechanism = OAUTHBEARER, client-id = \"" + AUDITOR + "\", client-secret-file = \""
                + secret("auditor-target.secret", AUDITOR_TARGET_SECRET) + "\" }\n}\n");
        Map<String, Object> o = new HashMap<>(source.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
            SecuredKafkaCluster.PROXY_PASSWORD, dir));
        String t = "clusters.target.security.";
        o.put(t + "protocol", "SASL_SSL");
        o.put(t + "tls.ca-file", target.pki().caPem().toString());
        o.put(t + "sasl.mechanism", "OAUTHBEARER");
        o.put(t + "sasl.token-endpoint-url", idp.tokenUrl());
        o.put(t + "sasl.client-id", TARGET_PROXY_CLIENT);
        o.put(t + "sasl.client-secret-file", secret("target-proxy.secret", TARGET_PROXY_SECRET).toString());
        o.put("listener.sasl.enabled", true);
        o.put("listener.sasl.users-file", users.toString());
        o.put("identity.mapping-file", mapping.toString());
        o.put("waves.mirrormaker2.offset-syncs-topic", mm.offsetSyncsTopic().name());
        o.put("waves.max-ready-lag", 500);
        return o;
    }

    /** MirrorMaker 2 is the operator's, not the proxy's: it runs as each cluster's super user. */
    private static EmbeddedMirrorMaker mirror(String topic) {
        Map<String, String> mm = new HashMap<>();
        for (Map.Entry<String, SecuredKafkaCluster> side : Map.of("source", source, "target", target).entrySet()) {
            side.getValue().clientConfig("PLAIN", SecuredKafkaCluster.ADMIN, SecuredKafkaCluster.ADMIN_PASSWORD)
                .forEach((k, v) -> mm.put(side.getKey() + "." + k, String.valueOf(v)));
        }
        return EmbeddedMirrorMaker.start("source", source.bootstrapServers(), "target", target.bootstrapServers(), topic, ".*", mm);
    }

    private static Map<String, Object> login(String user) {
        return Clients.scramLogin(user, LOGIN_PASSWORD);
    }

    private static void createTopic(SecuredKafkaCluster cluster, String topic, int partitions) throws Exception {
        try (Admin admin = cluster.adminClient()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** dave's write is refused by whichever cluster the topic's route names: as auditor, who may not write. */
    private static void daveIsRefused(String bootstrap, String topic) {
        Map<String, Object> dave = login("dave");
        dave.put("enable.idempotence", false);
        dave.put("retries", 0);
        try (KafkaProducer<String, String> p = Clients.producer(bootstrap, dave)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> p.send(new ProducerRecord<>(topic, "dave")).get(30,
                TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
        }
    }

    /** Every value of a topic on one cluster, per partition in log order, read as the cluster's super user. */
    private static Map<Integer, List<String>> log(SecuredKafkaCluster cluster, String topic, int partitions) {
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, cluster.clientConfig("PLAIN",
            SecuredKafkaCluster.ADMIN, SecuredKafkaCluster.ADMIN_PASSWORD))) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                tps.add(new TopicPartition(topic, p));
                out.put(p, new ArrayList<>());
            }
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            Await.until("read " + topic + " to its end", DEADLINE, () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.get(r.partition()).add(r.value());
                }
                return tps.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
            });
        }
        return out;
    }

    @Test
    void aFlipAndAWaveSwitchMoveAliceFromTheScramSourceToTheOAuthTargetAsHerMappedIdentities() throws Exception {
        String waveTopic = Clients.unique("sw-orders");
        String flipTopic = Clients.unique("sw-flip");
        String classic = Clients.unique("sw-classic");
        String modern = Clients.unique("sw-848");
        createTopic(source, waveTopic, PARTITIONS);
        createTopic(source, flipTopic, 1);
        createTopic(target, flipTopic, 1);
        try (EmbeddedMirrorMaker mm = mirror(waveTopic);
             LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), target.bootstrapServers(), proxyConfig(mm));
             WaveWorkload load = new WaveWorkload(proxy.bootstrapServers(), waveTopic, login("alice"))) {
            Await.until("health reports both secured clusters up", DEADLINE, () -> proxy.get("/health").body(),
                b -> b.replaceAll("\\s", "").startsWith("{\"status\":\"UP\""));
            load.produce("orders-app", 5).consume(classic, "classic").consume(modern, "consumer");
            Await.until("alice's producer and both groups running", DEADLINE,
                () -> load.ackedCount() > 100 && !load.consumed(classic).isEmpty() && !load.consumed(modern).isEmpty());
            // dave on the source, as auditor: refused. The inventory still records that he produced to the wave's topic;
            // acls-on-target must not ask the target to let him, since the source never did.
            daveIsRefused(proxy.bootstrapServers(), flipTopic);
            daveIsRefused(proxy.bootstrapServers(), waveTopic);

            // A plain topic flip while the load runs: alice's writes land on the target as her OAuth client.
            try (KafkaProducer<String, String> alice = Clients.producer(proxy.bootstrapServers(), login("alice"))) {
                alice.send(new ProducerRecord<>(flipTopic, "before-flip")).get(30, TimeUnit.SECONDS);
                proxy.flipTopic(flipTopic, "target");
                alice.send(new ProducerRecord<>(flipTopic, "after-flip")).get(30, TimeUnit.SECONDS);
            }
            assertEquals(List.of("after-flip"), log(target, flipTopic, 1).get(0), "the write after the flip is on the target");
            assertTrue(idp.tokensIssued(ORDERS_APP) >= 1, "alice reached the target with orders-app's token");
            assertEquals(List.of("before-flip"), log(source, flipTopic, 1).get(0), "nothing after the flip reached the source");
            daveIsRefused(proxy.bootstrapServers(), flipTopic);

            // The wave: its gates, acls-on-target among them, judge alice as orders-app on the target.
            String body = "{\"name\":\"orders\",\"topics\":[\"" + waveTopic + "\"],\"groups\":" + WaveSwitchTest.toJson(List.of(classic,
                modern)) + "}";
            HttpResponse<String> created = proxy.send("POST", "/waves", body, Map.of());
            assertEquals(201, created.statusCode(), created.body());
            JsonNode ready = Await.until("wave READY", DEADLINE, () -> WaveSwitchTest.json(proxy.send("POST", "/waves/orders/check", null,
                Map.of())), w -> {
                    if (!w.has("state")) {
                        throw new AssertionError("the check answered " + w);
                    }
                    return w.get("state").asText().equals("READY");
                });
            System.out.println("SECURED-WAVE-GATES " + ready.get("gates"));
            JsonNode aclGate = null;
            for (JsonNode g : ready.get("gates")) {
                if (g.get("gate").asText().equals("acls-on-target")) {
                    aclGate = g;
                }
            }
            assertTrue(aclGate != null && aclGate.get("warnings").toString().contains("principal dave (as auditor on the target, "
                + "identity mapped) is refused WRITE on TOPIC " + waveTopic + " on the source too"), String.valueOf(aclGate));
            int ackedBefore = load.ackedCount();
            assertTrue(ackedBefore > 0);
            HttpResponse<String> switched = proxy.send("POST", "/waves/orders/switch", null, Map.of());
            assertEquals(200, switched.statusCode(), switched.body());
            assertEquals("SWITCHED", WaveSwitchTest.json(switched).get("state").asText());
            System.out.println("SECURED-WAVE-SWITCH " + WaveSwitchTest.json(switched).get("lastSwitch"));
            int ackedAtSwitched = load.ackedCount();

            Await.until("200 more records acknowledged after the switch", DEADLINE, () -> load.ackedCount() > ackedAtSwitched + 200);
            load.stopProducing();
            Await.until("both groups consumed every acknowledged record", Duration.ofSeconds(120),
                () -> load.consumedAll(classic) && load.consumedAll(modern));
            assertNull(load.failure(), () -> "client failure: " + load.failure());
            daveIsRefused(proxy.bootstrapServers(), waveTopic);

            Map<Integer, List<String>> sourceLog = log(source, waveTopic, PARTITIONS);
            Map<Integer, List<String>> targetLog = log(target, waveTopic, PARTITIONS);
            Map<Integer, List<String>> acked = new HashMap<>();
            load.acked().forEach(a -> acked.computeIfAbsent(a.partition(), p -> new ArrayList<>()).add(a.value()));
            for (WaveWorkload.Acked a : load.acked().subList(ackedAtSwitched, load.acked().size())) {
                // Acknowledged once the switch had answered: written to the target, as orders-app's OAuth client.
                assertTrue(targetLog.get(a.partition()).contains(a.value()) && !sourceLog.get(a.partition()).contains(a.value()),
                    a + " is on the target only");
            }
            int after = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                List<String> src = sourceLog.get(p);
                List<String> tgt = targetLog.get(p);
                assertEquals(src, tgt.subList(0, src.size()), "partition " + p + ": the target starts with the source's records");
                assertEquals(new HashSet<>(tgt).size(), tgt.size(), "partition " + p + ": no record twice on the target");
                assertEquals(new HashSet<>(acked.getOrDefault(p, List.of())), new HashSet<>(tgt),
                    "partition " + p + ": every acknowledged record, nothing else");
                assertEquals(WaveSwitchTest.sortedBySequence(tgt), tgt, "partition " + p + ": in the order produced");
                after += tgt.size() - src.size();
            }
            assertTrue(after > 200, "records written to the target after the switch: " + after + " (" + (ackedAtSwitched - ackedBefore)
                + " acknowledged while it ran)");
            for (String secret : List.of(ORDERS_SOURCE_PASSWORD, ORDERS_TARGET_SECRET, AUDITOR_SOURCE_PASSWORD, AUDITOR_TARGET_SECRET,
                TARGET_PROXY_SECRET, LOGIN_PASSWORD, SecuredKafkaCluster.PROXY_PASSWORD)) {
                assertFalse(everything.lines().stream().anyMatch(l -> l.contains(secret)), "no secret in the log");
            }
        }
    }
}
