package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.security.SaslUsers;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wave rehearsal between two secured clusters (SASL_SSL, StandardAuthorizer) in identity mode
 * mapped replays each captured client as its principal's own user on each cluster. alice and bob
 * log in to the proxy with SCRAM and read their topics on the source as orders-a and orders-b. On
 * the target orders-b lacks READ and DESCRIBE on bob's topic: the rehearsal's finding names bob,
 * orders-b, the API, the topic and TOPIC_AUTHORIZATION_FAILED, and alice has none. The proxy's
 * service user may describe topics and groups on both clusters and read nothing, so the clean
 * replay of alice on both, and of bob on the source, proves the mapped users were used.
 */
class SecuredRehearsalTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String LOGIN_PASSWORD = "proxy-login-secret";
    private static final String USER_A = "orders-a";
    private static final String USER_B = "orders-b";
    private static final String PASSWORD_A = "orders-a-scram-secret";
    private static final String PASSWORD_B = "orders-b-scram-secret";
    private static final int RECORDS = 20;

    @Test
    void aTopicTheTargetRefusesBobsMappedUserIsAFindingNamingBobAndAliceHasNone(@TempDir Path dir) throws Exception {
        String topicA = Clients.unique("orders-a");
        String topicB = Clients.unique("orders-b");
        String groupA = Clients.unique("group-a");
        String groupB = Clients.unique("group-b");
        try (SecuredKafkaCluster source = SecuredKafkaCluster.startAuthorizing("rehearse-source", Map.of());
             SecuredKafkaCluster target = SecuredKafkaCluster.startAuthorizing("rehearse-target", Map.of())) {
            // Given the same topics on both clusters, records on the source,
            for (SecuredKafkaCluster c : List.of(source, target)) {
                try (Admin admin = c.adminClient()) {
                    admin.createTopics(List.of(new NewTopic(topicA, 1, (short) 1), new NewTopic(topicB, 1, (short) 1))).all()
                        .get(30, TimeUnit.SECONDS);
                }
                c.addScramUser(USER_A, PASSWORD_A);
                c.addScramUser(USER_B, PASSWORD_B);
                // the proxy's service user describing topics and groups (its metadata links need it), reading nothing,
                c.allow(SecuredKafkaCluster.PROXY_USER, ResourceType.TOPIC, ResourcePattern.WILDCARD_RESOURCE, AclOperation.DESCRIBE);
                c.allow(SecuredKafkaCluster.PROXY_USER, ResourceType.GROUP, ResourcePattern.WILDCARD_RESOURCE, AclOperation.DESCRIBE);
                // and alice's user free to read her topic everywhere,
                c.allow(USER_A, ResourceType.TOPIC, topicA, AclOperation.READ, AclOperation.DESCRIBE);
                c.allow(USER_A, ResourceType.GROUP, groupA, AclOperation.READ);
                // bob's user may use his group everywhere,
                c.allow(USER_B, ResourceType.GROUP, groupB, AclOperation.READ);
            }
            // but read his topic on the source only.
            source.allow(USER_B, ResourceType.TOPIC, topicB, AclOperation.READ, AclOperation.DESCRIBE);
            // the same records on both (as a replicator would have copied them), and the target's group
            // coordinator up, so that all the target answers differently is what its ACLs refuse.
            for (SecuredKafkaCluster c : List.of(source, target)) {
                try (KafkaProducer<String, String> p = Clients.producer(c.bootstrapServers(),
                    c.clientConfig("PLAIN", SecuredKafkaCluster.ADMIN, SecuredKafkaCluster.ADMIN_PASSWORD));
                     Admin admin = c.adminClient()) {
                    for (int i = 0; i < RECORDS; i++) {
                        p.send(new ProducerRecord<>(topicA, "a" + i)).get(30, TimeUnit.SECONDS);
                        p.send(new ProducerRecord<>(topicB, "b" + i)).get(30, TimeUnit.SECONDS);
                    }
                    Await.until("the group coordinator of " + c.bootstrapServers() + " answers", DEADLINE, () -> {
                        try {
                            admin.listConsumerGroupOffsets(groupA).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                            return true;
                        } catch (Exception e) {
                            return false;
                        }
                    });
                }
            }

            Map<String, Object> overrides = new HashMap<>(source.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
                SecuredKafkaCluster.PROXY_PASSWORD, dir));
            overrides.putAll(target.proxySecurity("target", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
                SecuredKafkaCluster.PROXY_PASSWORD, dir));
            overrides.put("clusters.source.security.identity", "mapped");
            overrides.put("clusters.target.security.identity", "mapped");
            overrides.put("listener.sasl.enabled", true);
            overrides.put("listener.sasl.users-file", usersFile(dir).toString());
            overrides.put("identity.mapping-file", mappingFile(dir).toString());
            overrides.put("waves.mapping", "identity");
            try (RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), target.bootstrapServers(), overrides)) {
                // When alice and bob read their topics through the proxy while a capture runs,
                assertEquals(201, proxy.send("POST", "/captures", "{\"name\":\"readers\"}", Map.of()).statusCode());
                readThroughTheProxy(proxy, "alice", "reader-a", topicA, groupA);
                readThroughTheProxy(proxy, "bob", "reader-b", topicB, groupB);
                HttpResponse<String> stopped = proxy.send("POST", "/captures/readers/stop", null, Map.of());
                assertEquals(200, stopped.statusCode(), stopped.body());
                Await.until("the capture is written", DEADLINE, () -> "STOPPED".equals(json(proxy.send("GET", "/captures/readers", null,
                    Map.of())).path("state").asText()));
                String wave = "{\"name\":\"readers\",\"topics\":[\"" + topicA + "\",\"" + topicB + "\"],\"groups\":[\"" + groupA + "\",\""
                    + groupB + "\"]}";
                assertEquals(201, proxy.send("POST", "/waves", wave, Map.of()).statusCode());

                // and the wave is rehearsed,
                HttpResponse<String> r = proxy.send("POST", "/waves/readers/rehearse", "{\"capture\":\"readers\"}", Map.of());
                assertEquals(200, r.statusCode(), r.body());
                JsonNode result = json(r);
                System.out.println("SECURED-REHEARSAL findings=" + result.get("findings") + " warnings=" + result.get("warnings"));

                // then each client was replayed on each cluster as its principal's mapped user,
                for (String side : List.of("source", "target")) {
                    JsonNode identity = result.get("identity").get(side);
                    assertEquals("mapped", identity.get("mode").asText(), identity.toString());
                    assertEquals(USER_A, userOf(identity, "alice"), identity.toString());
                    assertEquals(USER_B, userOf(identity, "bob"), identity.toString());
                }
                // the source gave neither an authorization error: as the service user, every Fetch would have been refused,
                assertTrue(result.get("source").get("responses").asLong() > 0, result.get("source").toString());
                assertFalse(result.get("errorsByApi").get("source").toString().contains("AUTHORIZATION_FAILED"),
                    result.get("errorsByApi").toString());
                assertTrue(result.get("errorsByApi").get("source").has("Fetch"), "the consumers' fetches were replayed: " + result);
                // the rehearsal fails on bob's topic, the findings naming bob, his user, the topic and the error,
                assertFalse(result.get("passed").asBoolean(), result.toString());
                List<String> findings = new ArrayList<>();
                result.get("findings").forEach(f -> findings.add(f.asText()));
                assertTrue(findings.stream().anyMatch(f -> f.startsWith("principal bob (as " + USER_B + " on the target, identity mapped; "
                    + "client ids reader-b): Fetch TOPIC_AUTHORIZATION_FAILED on TOPIC " + topicB + " x")), findings.toString());
                assertTrue(findings.stream().anyMatch(f -> f.startsWith("principal bob") && f.contains("Metadata TOPIC_AUTHORIZATION_FAILED on "
                    + "TOPIC " + topicB)), findings.toString());
                JsonNode access = result.get("authorizationFindings");
                assertTrue(access.size() > 0, result.toString());
                for (JsonNode f : access) {
                    assertEquals("bob", f.get("principal").asText(), "only bob's user is refused anything: " + access);
                    assertEquals(USER_B, f.get("targetUser").asText(), f.toString());
                    assertEquals("TOPIC", f.get("resourceType").asText(), f.toString());
                    assertEquals(topicB, f.get("resource").asText(), f.toString());
                    assertEquals("TOPIC_AUTHORIZATION_FAILED", f.get("error").asText(), f.toString());
                    assertEquals(0, f.get("onSource").asLong(), f.toString());
                    assertTrue(f.get("onTarget").asLong() > 0, f.toString());
                }
                // and alice, whose user the target lets read her topic, has no finding at all: every finding is bob's.
                assertTrue(findings.stream().allMatch(f -> f.startsWith("principal bob (as " + USER_B + " on the target")),
                    findings.toString());
                assertTrue(result.get("warnings").isEmpty(), result.get("warnings").toString());

                // The wave keeps the verdict (its compatibility-rehearsal gate reads it), naming bob.
                JsonNode kept = json(proxy.send("GET", "/waves/readers", null, Map.of())).get("rehearsal");
                assertFalse(kept.get("passed").asBoolean(), kept.toString());
                assertEquals(result.get("findings"), kept.get("findings"));
            }
        }
    }

    private static String userOf(JsonNode identity, String principal) {
        for (JsonNode p : identity.get("principals")) {
            if (principal.equals(p.path("principal").asText(null))) {
                return p.path("user").asText(null);
            }
        }
        return null;
    }

    /** {@code principal} logs in to the proxy and reads its topic to the end, committing, as client {@code clientId}. */
    private static void readThroughTheProxy(RunningProxy proxy, String principal, String clientId, String topic, String group) {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + principal
            + "\" password=\"" + LOGIN_PASSWORD + "\";");
        c.put("client.id", clientId);
        c.put("default.api.timeout.ms", 20_000);
        c.put("request.timeout.ms", 15_000);
        try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), group, c)) {
            consumer.subscribe(List.of(topic));
            int[] read = {0};
            Await.until(principal + " reads " + RECORDS + " records of " + topic + " through the proxy", DEADLINE, () -> {
                read[0] += consumer.poll(Duration.ofMillis(200)).count();
                return read[0] >= RECORDS;
            });
            consumer.commitSync();
        }
    }

    private static Path usersFile(Path dir) throws Exception {
        Path users = dir.resolve("users.json");
        for (String principal : List.of("alice", "bob")) {
            SaslUsers.add(users, principal, LOGIN_PASSWORD, List.of(ScramMechanism.SCRAM_SHA_512), 4096);
        }
        return users;
    }

    private static Path mappingFile(Path dir) throws Exception {
        Path a = Files.writeString(dir.resolve("orders-a.pw"), PASSWORD_A + "\n");
        Path b = Files.writeString(dir.resolve("orders-b.pw"), PASSWORD_B + "\n");
        StringBuilder sb = new StringBuilder();
        for (String[] m : List.of(new String[] {"alice", USER_A, a.toString()}, new String[] {"bob", USER_B, b.toString()})) {
            sb.append(m[0]).append(" {\n");
            for (String cluster : List.of("source", "target")) {
                sb.append("  ").append(cluster).append(" { mechanism = SCRAM-SHA-512, username = \"").append(m[1])
                    .append("\", password-file = \"").append(m[2]).append("\" }\n");
            }
            sb.append("}\n");
        }
        return Files.writeString(dir.resolve("identities.conf"), sb.toString());
    }
}
