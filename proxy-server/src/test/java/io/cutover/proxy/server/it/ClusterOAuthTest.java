package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.security.SaslUsers;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
import io.cutover.proxy.server.testkit.TestIdentityProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * The proxy logs in to a real SASL_SSL cluster with OAUTHBEARER, getting its tokens itself from an
 * identity provider's token endpoint (client-credentials grant), as the proxy's own OAuth client
 * and, in identity mode mapped, as each client principal's. The broker checks every token with
 * Kafka's own JWT validator against the provider's JWKS URL, allowing no clock skew, and its ACLs
 * name the OAuth clients, so a write that succeeds went out with that client's token.
 */
class ClusterOAuthTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String ISSUER = "https://idp.test";
    private static final String AUDIENCE = "kafka-oauth";
    private static final String SERVICE_CLIENT = "cutover-proxy-svc";
    private static final String SERVICE_SECRET = "svc-client-secret";
    private static final String ORDERS_CLIENT = "orders-app";
    private static final String ORDERS_SECRET = "orders-client-secret";
    private static final String AUDITOR_CLIENT = "auditor";
    private static final String AUDITOR_SECRET = "auditor-client-secret";
    private static final String LOGIN_PASSWORD = "proxy-login-secret";
    /** Short, so a test sees the proxy fetch several and log in with a fresh one after the first expired. */
    private static final Duration LIFETIME = Duration.ofSeconds(6);

    private static TestIdentityProvider idp;
    private static SecuredKafkaCluster cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        idp = TestIdentityProvider.start(ISSUER, AUDIENCE, LIFETIME).client(SERVICE_CLIENT, SERVICE_SECRET)
            .client(ORDERS_CLIENT, ORDERS_SECRET).client(AUDITOR_CLIENT, AUDITOR_SECRET);
        cluster = SecuredKafkaCluster.startAuthorizing("oauth", Map.of(),
            new SecuredKafkaCluster.BearerTokens(idp.jwksUrl(), ISSUER, AUDIENCE));
        String any = ResourcePattern.WILDCARD_RESOURCE;
        // The proxy's own client: metadata for everyone, and the svc- topics its service-mode clients use.
        cluster.allow(SERVICE_CLIENT, ResourceType.TOPIC, any, AclOperation.DESCRIBE);
        cluster.allow(SERVICE_CLIENT, ResourceType.GROUP, any, AclOperation.DESCRIBE);
        cluster.allow(SERVICE_CLIENT, ResourceType.TOPIC, "svc-", AclOperation.WRITE, AclOperation.READ);
        cluster.allow(SERVICE_CLIENT, ResourceType.GROUP, "svc-", AclOperation.READ);
        cluster.allow(ORDERS_CLIENT, ResourceType.TOPIC, "orders-", AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE);
        cluster.allow(ORDERS_CLIENT, ResourceType.GROUP, "orders-", AclOperation.READ);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
        if (idp != null) {
            idp.close();
        }
    }

    private Map<String, Object> oauthSource(String clientId, String secret) throws Exception {
        String base = "clusters.source.security.";
        Map<String, Object> o = new HashMap<>();
        o.put(base + "protocol", "SASL_SSL");
        o.put(base + "tls.ca-file", cluster.pki().caPem().toString());
        o.put(base + "sasl.mechanism", "OAUTHBEARER");
        o.put(base + "sasl.token-endpoint-url", idp.tokenUrl());
        o.put(base + "sasl.client-id", clientId);
        o.put(base + "sasl.client-secret-file", Files.writeString(dir.resolve(clientId + ".secret"), secret + "\n").toString());
        return o;
    }

    private static String topic(String prefix) throws Exception {
        String topic = Clients.unique(prefix);
        try (Admin admin = cluster.adminClient()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    private static void write(String bootstrap, Map<String, Object> config, String topic, String... values) throws Exception {
        try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, config)) {
            for (String v : values) {
                producer.send(new ProducerRecord<>(topic, v)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<String> readAll(String bootstrap, String topic, String group, Map<String, Object> config, int expected) {
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, group, config)) {
            consumer.subscribe(List.of(topic));
            Await.until(expected + " records read back through the proxy", DEADLINE, () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    read.add(r.value());
                }
                return read.size() >= expected;
            });
        }
        return read;
    }

    @Test
    void theProxyFetchesItsOwnTokensAndKeepsLoggingInWithFreshOnesAfterTheFirstExpired() throws Exception {
        String topic = topic("svc-orders");
        int before = idp.tokensIssued(SERVICE_CLIENT);
        try (LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), oauthSource(SERVICE_CLIENT, SERVICE_SECRET))) {
            Await.until("health reports the OAUTHBEARER cluster up", DEADLINE, () -> proxy.get("/health").body(),
                b -> b.replaceAll("\\s", "").startsWith("{\"status\":\"UP\""));
            write(proxy.bootstrapServers(), Map.of(), topic, "v0", "v1", "v2");
            long firstExpired = System.currentTimeMillis() + LIFETIME.toMillis();

            // Refreshed at 80% of each token's life: several tokens while the proxy runs, not one per login.
            Await.until("the proxy fetched two more tokens, and the first has expired", DEADLINE,
                () -> idp.tokensIssued(SERVICE_CLIENT) >= before + 3 && System.currentTimeMillis() > firstExpired + 1_000);
            // New client connections mean new logins to the broker, which takes no expired token.
            write(proxy.bootstrapServers(), Map.of(), topic, "v3", "v4");
            assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), readAll(proxy.bootstrapServers(), topic, Clients.unique("svc-group"),
                Map.of(), 5));
            // The proxy's own Kafka clients (discovery, gates) log in with the same tokens: health stays up.
            Await.until("health still reports the cluster up", DEADLINE, () -> proxy.get("/health").body(),
                b -> b.replaceAll("\\s", "").startsWith("{\"status\":\"UP\""));
            assertTrue(idp.refusals().isEmpty(), "refused: " + idp.refusals());
            assertFalse(everything.lines().stream().anyMatch(l -> l.contains(SERVICE_SECRET)), "no client secret in the log");
        }
        // Once the proxy stopped, so did its fetching: no thread is left to ask again.
        Await.until("the token refresher's thread ended with the proxy", Duration.ofSeconds(15),
            () -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("cutover-oauth-source") && t.isAlive()));
    }

    @Test
    void aWrongClientSecretIsAClearHealthErrorWithoutTheSecret() throws Exception {
        String wrong = "not-the-client-secret";
        Map<String, Object> overrides = oauthSource(SERVICE_CLIENT, wrong);
        overrides.put("discovery.startup-wait", "3 seconds");
        overrides.put("limits.upstream-request-timeout", "3 seconds");
        try (LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            var health = Await.until("health names the token endpoint's refusal", DEADLINE, () -> proxy.get("/health"),
                r -> r.statusCode() == 503 && r.body().contains("invalid_client"));
            assertFalse(health.body().contains(wrong), health.body());
            Await.until("a log line names the refusal", DEADLINE, () -> everything.contains("cannot get a token from client "
                + SERVICE_CLIENT, "HTTP 401 invalid_client"));
            assertTrue(everything.lines().stream().noneMatch(l -> l.contains(wrong)), "no secret in the log");
            assertTrue(idp.refusals().contains(SERVICE_CLIENT), idp.refusals().toString());
        }
    }

    @Test
    void eachMappedPrincipalReachesTheClusterWithItsOwnOAuthClientsTokens() throws Exception {
        Path users = dir.resolve("users.json");
        for (String principal : List.of("alice", "dave")) {
            SaslUsers.add(users, principal, LOGIN_PASSWORD, List.of(ScramMechanism.SCRAM_SHA_512), 4096);
        }
        Path mapping = Files.writeString(dir.resolve("identities.conf"),
            "alice { source { mechanism = OAUTHBEARER, client-id = \"" + ORDERS_CLIENT + "\", client-secret-file = \""
                + Files.writeString(dir.resolve("orders.secret"), ORDERS_SECRET) + "\" } }\n"
            + "dave { source { mechanism = OAUTHBEARER, client-id = \"" + AUDITOR_CLIENT + "\", client-secret-file = \""
                + Files.writeString(dir.resolve("auditor.secret"), AUDITOR_SECRET) + "\" } }\n");
        Map<String, Object> overrides = oauthSource(SERVICE_CLIENT, SERVICE_SECRET);
        overrides.put("listener.sasl.enabled", true);
        overrides.put("listener.sasl.users-file", users.toString());
        overrides.put("clusters.source.security.identity", "mapped");
        overrides.put("identity.mapping-file", mapping.toString());
        String topic = topic("orders");
        try (LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            Map<String, Object> alice = login("alice");
            write(proxy.bootstrapServers(), alice, topic, "a0", "a1");
            assertTrue(idp.tokensIssued(ORDERS_CLIENT) >= 1, "alice's writes went out with orders-app's token");
            // dave's OAuth client may log in but holds no ACL: the proxy's service client, which may not write
            // either, would fail the same way, but alice's success above rules out that her writes used it.
            Map<String, Object> dave = login("dave");
            dave.put("enable.idempotence", false);
            ExecutionException e = assertThrows(ExecutionException.class, () -> write(proxy.bootstrapServers(), dave, topic, "d0"));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
            assertTrue(idp.tokensIssued(AUDITOR_CLIENT) >= 1, "dave's login fetched auditor's token");
            assertEquals(List.of("a0", "a1"), readAll(proxy.bootstrapServers(), topic, Clients.unique("orders-group"), alice, 2));
            for (String secret : List.of(SERVICE_SECRET, ORDERS_SECRET, AUDITOR_SECRET, LOGIN_PASSWORD)) {
                assertFalse(everything.lines().stream().anyMatch(l -> l.contains(secret)), "no secret in the log");
            }
        }
    }

    private static Map<String, Object> login(String user) {
        return Clients.scramLogin(user, LOGIN_PASSWORD);
    }
}
