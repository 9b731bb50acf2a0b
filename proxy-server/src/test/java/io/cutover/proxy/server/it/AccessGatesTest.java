package io.cutover.proxy.server.it;

import static io.cutover.proxy.server.it.WaveSwitchTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.proxy.server.cli.Main;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.OpenApiSpec;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acls-on-target and quotas-on-target gates against real brokers: clients log in to the proxy
 * (listener.sasl) and produce to the source; the target checks ACLs (StandardAuthorizer) and has
 * produce quotas. The gates read what the principal did from the inventory and compare it with what
 * the target would grant the user it sees for that principal under its identity mode: the mapped
 * user, or under service the proxy's own.
 */
@ExtendWith(KafkaClusterExtension.class)
class AccessGatesTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "alice-secret-pw";
    private static final long QUOTA = 1024;
    /** alice's user on a target in identity mode mapped. */
    private static final String ORDERS_APP = "orders-app";
    private static final String ORDERS_APP_PASSWORD = "orders-app-scram-secret";
    private static final OpenApiSpec SPEC = OpenApiSpec.bundled();

    @Test
    void underMappedAPrincipalsMappedUserLackingWriteFailsTheGateByBothNamesUntilGrantedAndAQuotaBelowItsRateIsAWarning(
            EmbeddedKafkaCluster source, @TempDir Path dir) throws Exception {
        String topic = Clients.unique("acl-orders");
        String wave = Clients.unique("acl-wave");
        try (SecuredKafkaCluster target = SecuredKafkaCluster.startAuthorizing("mapped-acl-target", Map.of());
             Admin targetAdmin = target.adminClient()) {
            target.addScramUser(ORDERS_APP, ORDERS_APP_PASSWORD);
            targetAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // The proxy's own user gets what identity mapped asks of it and no more: DESCRIBE (and what the gates read).
            grantTheProxysUserDescribe(target, targetAdmin, topic);
            // The target's quota is keyed by the user it sees, orders-app; a quota for alice's login name is never applied there.
            targetAdmin.alterClientQuotas(List.of(
                new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, ORDERS_APP)), List.of(
                    new ClientQuotaAlteration.Op("producer_byte_rate", (double) QUOTA))),
                new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, USER)), List.of(
                    new ClientQuotaAlteration.Op("producer_byte_rate", 1.0))))).all().get(30, TimeUnit.SECONDS);
            Map<String, Object> overrides = new HashMap<>(target.proxySecurity("target", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
                SecuredKafkaCluster.PROXY_PASSWORD, dir));
            overrides.put("clusters.target.security.identity", "mapped");
            overrides.put("identity.mapping-file", mappingFile(dir).toString());
            overrides.put("waves.mapping", "identity");
            overrides.put("listener.sasl.enabled", true);
            overrides.put("listener.sasl.users-file", usersFile(dir).toString());
            try (RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), target.bootstrapServers(), overrides)) {
                produceThroughTheProxy(proxy, source, topic);
                assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}", Map.of())
                    .statusCode());

                // Given alice wrote the topic through the proxy, and the target allows orders-app, her user there, nothing on it,
                JsonNode acls = checkedGate(proxy, wave, "acls-on-target");
                // then the gate fails, naming her, her user on the target, the topic and the operation,
                assertEquals("FAIL", acls.get("status").asText(), acls.toString());
                assertEquals("mapped", acls.get("evidence").get("identity").asText(), acls.toString());
                assertEquals("User:" + ORDERS_APP, acls.get("evidence").get("principals").get(0).get("targetPrincipal").asText(),
                    acls.toString());
                String problems = acls.get("evidence").get("problems").toString();
                assertTrue(problems.contains("principal " + USER + " (as " + ORDERS_APP + " on the target, identity mapped) would lose "
                    + "WRITE on TOPIC " + topic), problems);
                assertTrue(problems.contains("DESCRIBE on TOPIC " + topic), problems);
                // and the proxy's own user, which may describe the topic but not write it, is no problem: alice's writes are orders-app's.
                assertFalse(problems.contains("the proxy's own user"), problems);
                List<String> proxyUserChecks = acls.get("evidence").get("proxyUser").get("operations").findValuesAsText("operation");
                assertFalse(proxyUserChecks.isEmpty(), acls.toString());
                assertTrue(proxyUserChecks.stream().allMatch("DESCRIBE"::equals), "identity mapped asks DESCRIBE of it: " + acls);
                assertEquals("PLANNED", json(proxy.send("GET", "/waves/" + wave, null, Map.of())).get("state").asText(),
                    "a failing acls-on-target keeps the wave from READY");
                // The scorecard and the cutover report show it as they show every gate.
                String card = proxy.send("GET", "/waves/" + wave + "/scorecard?format=text", null, Map.of()).body();
                assertTrue(card.contains("acls-on-target") && card.contains("would lose WRITE on TOPIC " + topic), card);
                String report = proxy.send("GET", "/waves/" + wave + "/report", null, Map.of()).body();
                assertTrue(report.contains("data-gate=\"acls-on-target\"") && report.contains("would lose WRITE on TOPIC " + topic),
                    "the cutover report's gates");

                // Her produce quota, orders-app's on the target, below what she uses now, is a warning with both numbers that blocks nothing.
                JsonNode quotas = checkedGate(proxy, wave, "quotas-on-target");
                assertEquals("PASS_WITH_WARNINGS", quotas.get("status").asText(), quotas.toString());
                JsonNode row = quotas.get("evidence").get("users").get(0);
                assertEquals(ORDERS_APP, row.get("user").asText(), quotas.toString());
                assertEquals(USER, row.get("principals").get(0).asText(), quotas.toString());
                JsonNode produce = row.get("produce").get(0);
                long rate = produce.get("bytesPerSecond").asLong();
                assertTrue(rate > QUOTA, "the rate measured through the proxy: " + quotas);
                assertEquals(QUOTA, produce.get("quotaBytesPerSecond").asLong(), quotas.toString());
                assertEquals(1, quotas.get("warnings").size(), "the 1 B/s quota of alice's login name is not the target's: " + quotas);
                String warning = quotas.get("warnings").get(0).asText();
                assertTrue(warning.contains("principal " + USER + " (as " + ORDERS_APP + " on the target, identity mapped) produces up to "
                    + rate + " B/s"), warning);
                assertTrue(warning.contains("producer_byte_rate quota of " + QUOTA + " B/s on the target (user=" + ORDERS_APP + ")"),
                    warning);

                // WRITE granted to alice's login name changes nothing: the target never sees her by it.
                AclBinding toAlice = allow(ResourceType.TOPIC, topic, "User:" + USER, AclOperation.WRITE);
                targetAdmin.createAcls(List.of(toAlice)).all().get(30, TimeUnit.SECONDS);
                // The gate reads ACLs with describeAcls too: once it lists this one, the gate's next check reads it.
                Await.until("the target lists alice's ACL", Duration.ofSeconds(30), () -> {
                    try {
                        return targetAdmin.describeAcls(toAlice.toFilter()).values().get(10, TimeUnit.SECONDS).contains(toAlice);
                    } catch (Exception e) {
                        return false;
                    }
                });
                JsonNode stillFailing = checkedGate(proxy, wave, "acls-on-target");
                assertEquals("FAIL", stillFailing.get("status").asText(), stillFailing.toString());
                assertTrue(stillFailing.get("evidence").get("problems").toString().contains("(as " + ORDERS_APP + " on the target, "
                    + "identity mapped) would lose WRITE on TOPIC " + topic), stillFailing.toString());

                // When WRITE on the topic is granted to orders-app (DESCRIBE comes with it), the gate passes.
                targetAdmin.createAcls(List.of(allow(ResourceType.TOPIC, topic, "User:" + ORDERS_APP, AclOperation.WRITE))).all()
                    .get(30, TimeUnit.SECONDS);
                HttpResponse<String> inventory = proxy.send("GET", "/clients", null, Map.of());
                assertConforms("GET /clients", inventory);
                JsonNode principal = json(inventory).get("principals").get(0);
                assertEquals(USER, principal.get("principal").asText(), inventory.body());
                assertEquals(topic, principal.get("produced").get(0).asText(), inventory.body());
                JsonNode granted = Await.until("acls-on-target passes once orders-app may write", Duration.ofSeconds(30),
                    () -> checkedGate(proxy, wave, "acls-on-target"), g -> g.get("status").asText().equals("PASS"));
                String operations = granted.get("evidence").get("principals").toString();
                assertTrue(operations.contains("allowed by ALLOW WRITE for User:" + ORDERS_APP), operations);
            }
        }
    }

    @Test
    void underServiceTheClientsOwnAclsAndQuotasOnTheTargetDecideNothing(EmbeddedKafkaCluster source,
            @Brokers(name = "acl-target", authorizer = true) EmbeddedKafkaCluster target, @TempDir Path dir) throws Exception {
        String topic = Clients.unique("service-orders");
        String wave = Clients.unique("service-wave");
        try (Admin targetAdmin = Clients.admin(target.bootstrapServers())) {
            // A plaintext target: every client's requests reach it as ANONYMOUS (its super user), whoever logged in to the proxy.
            targetAdmin.alterClientQuotas(List.of(new ClientQuotaAlteration(new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, USER)),
                List.of(new ClientQuotaAlteration.Op("producer_byte_rate", (double) QUOTA))))).all().get(30, TimeUnit.SECONDS);
            targetAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            try (RunningProxy proxy = saslProxy(source, target, dir)) {
                produceThroughTheProxy(proxy, source, topic);
                assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}", Map.of())
                    .statusCode());

                // alice has no ACL on the target, and a quota far below her rate, neither of which the target applies to her requests.
                JsonNode acls = checkedGate(proxy, wave, "acls-on-target");
                assertEquals("PASS", acls.get("status").asText(), acls.toString());
                assertTrue(acls.get("evidence").get("authorizer").asBoolean(), acls.toString());
                assertEquals("service", acls.get("evidence").get("identity").asText(), acls.toString());
                JsonNode row = acls.get("evidence").get("principals").get(0);
                assertEquals(USER, row.get("principal").asText(), acls.toString());
                assertEquals("User:ANONYMOUS", row.get("targetPrincipal").asText(), acls.toString());
                // The proxy's own user, which carries her requests, is judged for WRITE.
                assertTrue(acls.get("evidence").get("proxyUser").get("operations").toString().contains("\"operation\":\"WRITE\""),
                    acls.toString());
                JsonNode quotas = checkedGate(proxy, wave, "quotas-on-target");
                assertEquals("PASS", quotas.get("status").asText(), quotas.toString());
                assertEquals("ANONYMOUS", quotas.get("evidence").get("users").get(0).get("user").asText(), quotas.toString());
            }
        }
    }

    @Test
    void aTargetWithoutAnAuthorizerPassesSayingSo(EmbeddedKafkaCluster source, @Brokers(name = "target") EmbeddedKafkaCluster target,
                                                  @TempDir Path dir) throws Exception {
        String topic = Clients.unique("open-orders");
        String wave = Clients.unique("open-wave");
        try (RunningProxy proxy = saslProxy(source, target, dir)) {
            produceThroughTheProxy(proxy, source, topic);
            assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}", Map.of())
                .statusCode());
            JsonNode acls = checkedGate(proxy, wave, "acls-on-target");
            assertEquals("PASS", acls.get("status").asText(), acls.toString());
            assertFalse(acls.get("evidence").get("authorizer").asBoolean(), acls.toString());
            assertTrue(acls.get("evidence").get("note").asText().contains("no authorizer"), acls.toString());
            assertEquals(USER, acls.get("evidence").get("principals").get(0).get("principal").asText(), acls.toString());
            JsonNode quotas = checkedGate(proxy, wave, "quotas-on-target");
            assertEquals("PASS", quotas.get("status").asText(), "no quota on this target: " + quotas);
        }
    }

    @Test
    void theProxysOwnUserLackingWriteOnTheTargetFailsTheGateUntilGranted(EmbeddedKafkaCluster source, @TempDir Path dir)
        throws Exception {
        String topic = Clients.unique("proxy-user-orders");
        String wave = Clients.unique("proxy-user-wave");
        try (SecuredKafkaCluster target = SecuredKafkaCluster.startAuthorizing("proxy-user-target", Map.of());
             Admin targetAdmin = target.adminClient()) {
            targetAdmin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // What the proxy's user needs for the gates themselves: read ACLs and broker settings, describe the topic and its configs.
            String proxyUser = "User:" + SecuredKafkaCluster.PROXY_USER;
            targetAdmin.createAcls(List.of(
                allow(ResourceType.CLUSTER, "kafka-cluster", proxyUser, AclOperation.DESCRIBE),
                allow(ResourceType.CLUSTER, "kafka-cluster", proxyUser, AclOperation.DESCRIBE_CONFIGS),
                allow(ResourceType.TOPIC, topic, proxyUser, AclOperation.DESCRIBE),
                allow(ResourceType.TOPIC, topic, proxyUser, AclOperation.DESCRIBE_CONFIGS))).all().get(30, TimeUnit.SECONDS);
            // ACLs reach the broker's authorizer through the metadata log: wait until these are in force.
            Await.until("the proxy's user may describe " + topic + " on the target", Duration.ofSeconds(30), () -> {
                try (Admin asProxy = Clients.admin(target.bootstrapServers(), target.clientConfig("SCRAM-SHA-512",
                    SecuredKafkaCluster.PROXY_USER, SecuredKafkaCluster.PROXY_PASSWORD))) {
                    asProxy.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            Map<String, Object> overrides = new HashMap<>(target.proxySecurity("target", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
                SecuredKafkaCluster.PROXY_PASSWORD, dir));
            overrides.put("waves.mapping", "identity");
            try (RunningProxy proxy = RunningProxy.routing(source.bootstrapServers(), target.bootstrapServers(), overrides)) {
                // Given a client (no login to the proxy) wrote the topic through the proxy,
                try (Admin admin = Clients.admin(source.bootstrapServers())) {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                }
                try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of())) {
                    producer.send(new ProducerRecord<>(topic, "v")).get(30, TimeUnit.SECONDS);
                }
                assertEquals(201, proxy.send("POST", "/waves", "{\"name\":\"" + wave + "\",\"topics\":[\"" + topic + "\"]}", Map.of())
                    .statusCode());
                // when the proxy's own user on the target may describe the topic but not write it, the gate fails saying so,
                JsonNode acls = checkedGate(proxy, wave, "acls-on-target");
                assertEquals("FAIL", acls.get("status").asText(), acls.toString());
                String problems = acls.get("evidence").get("problems").toString();
                assertTrue(problems.contains("the proxy's own user would lack WRITE on TOPIC " + topic), problems);
                assertFalse(problems.contains("DESCRIBE on TOPIC " + topic), "DESCRIBE is granted: " + problems);
                // and once WRITE is granted, it passes: the client that did not log in reaches the target as that user (identity
                // service), which has now been judged for it, so nothing is left unchecked.
                targetAdmin.createAcls(List.of(allow(ResourceType.TOPIC, topic, proxyUser, AclOperation.WRITE))).all()
                    .get(30, TimeUnit.SECONDS);
                JsonNode granted = Await.until("acls-on-target passes once the proxy's user may write", Duration.ofSeconds(30),
                    () -> checkedGate(proxy, wave, "acls-on-target"), g -> !g.get("status").asText().equals("FAIL"));
                assertEquals("PASS", granted.get("status").asText(), granted.toString());
                assertEquals("service", granted.get("evidence").get("identity").asText(), granted.toString());
                assertTrue(granted.get("evidence").get("proxyUser").get("operations").toString().contains(
                    "{\"resource\":\"TOPIC " + topic + "\",\"operation\":\"WRITE\",\"allowed\":true}"), granted.toString());
            }
        }
    }

    /** What the proxy's user needs on the target under mapped (DESCRIBE), and what the gates read; waits until the broker applies it. */
    private static void grantTheProxysUserDescribe(SecuredKafkaCluster target, Admin targetAdmin, String topic) throws Exception {
        String proxyUser = "User:" + SecuredKafkaCluster.PROXY_USER;
        targetAdmin.createAcls(List.of(
            allow(ResourceType.CLUSTER, "kafka-cluster", proxyUser, AclOperation.DESCRIBE),
            allow(ResourceType.CLUSTER, "kafka-cluster", proxyUser, AclOperation.DESCRIBE_CONFIGS),
            allow(ResourceType.TOPIC, topic, proxyUser, AclOperation.DESCRIBE),
            allow(ResourceType.TOPIC, topic, proxyUser, AclOperation.DESCRIBE_CONFIGS))).all().get(30, TimeUnit.SECONDS);
        Await.until("the proxy's user may describe " + topic + " on the target", Duration.ofSeconds(30), () -> {
            try (Admin asProxy = Clients.admin(target.bootstrapServers(), target.clientConfig("SCRAM-SHA-512",
                SecuredKafkaCluster.PROXY_USER, SecuredKafkaCluster.PROXY_PASSWORD))) {
                asProxy.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** alice's user on the target: orders-app, its password in a file, as an operator would mount it. */
    private static Path mappingFile(Path dir) throws Exception {
        Path password = Files.writeString(dir.resolve("orders-app-target.pw"), ORDERS_APP_PASSWORD + "\n");
        return Files.writeString(dir.resolve("identities.conf"), USER + " { target { mechanism = SCRAM-SHA-512, username = \""
            + ORDERS_APP + "\", password-file = \"" + password + "\" } }\n");
    }

    private static AclBinding allow(ResourceType type, String name, String principal, AclOperation op) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
            new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW));
    }

    private static RunningProxy saslProxy(EmbeddedKafkaCluster source, EmbeddedKafkaCluster target, Path dir) {
        return RunningProxy.routing(source, target, Map.of("waves.mapping", "identity", "listener.sasl.enabled", true,
            "listener.sasl.users-file", usersFile(dir).toString()));
    }

    /** About 200 KB as alice, in a few seconds: far above a 1 KiB/s quota whichever 10 s window it falls in. */
    private static void produceThroughTheProxy(RunningProxy proxy, EmbeddedKafkaCluster source, String topic) throws Exception {
        try (Admin admin = Clients.admin(source.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        String value = "x".repeat(4096);
        try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), login())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static JsonNode checkedGate(RunningProxy proxy, String wave, String gate) {
        HttpResponse<String> r = proxy.send("POST", "/waves/" + wave + "/check", null, Map.of());
        assertEquals(200, r.statusCode(), r.body());
        assertConforms("POST /waves/{name}/check", r);
        return WaveAbortTest.gate(json(r).get("gates"), gate);
    }

    /** The answer, the new gates' evidence and the inventory's principals included, is as openapi.json documents it. */
    private static void assertConforms(String operation, HttpResponse<String> r) {
        OpenApiSpec.Answer answer = new OpenApiSpec.Answer(r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body(),
            Map.of());
        List<String> problems = SPEC.problems(SPEC.response(operation, r.statusCode()), answer);
        assertTrue(problems.isEmpty(), operation + ": " + problems);
    }

    private static Map<String, Object> login() {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "SCRAM-SHA-512");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER
            + "\" password=\"" + PASSWORD + "\";");
        return c;
    }

    /** A users file with alice, as `cutover-proxy users add` writes it. */
    private static Path usersFile(Path dir) {
        Path users = dir.resolve("users.json");
        int added = Main.run(new String[] {"users", "add", USER, "--file", users.toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, added);
        return users;
    }
}
