package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.security.SaslUsers;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
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
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients reach a real SASL_SSL cluster with an authorizer as themselves, not as the proxy: in
 * identity mode mapped through the user the mapping file names, in passthrough with their own PLAIN
 * login. The cluster's ACLs are the proof: they let the proxy's service user describe topics (its
 * metadata links need that) but never read or write them, so a write that succeeds through the
 * proxy went out as the client's own user.
 */
class UpstreamIdentityTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** alice's user on the cluster: the only one the ACLs let write and read the orders topics. */
    private static final String ORDERS_APP = "orders-app";
    private static final String ORDERS_APP_PASSWORD = "orders-app-scram-secret";
    /** dave's user on the cluster: it may log in, and nothing more. */
    private static final String AUDITOR = "auditor";
    private static final String AUDITOR_PASSWORD = "auditor-scram-secret";
    /** A PLAIN user of the cluster itself, for passthrough. */
    private static final String CAROL = "carol";
    private static final String CAROL_PASSWORD = "carol-plain-secret";
    private static final String CLIENT_PASSWORD = "proxy-login-secret";
    private static final String STALE_PASSWORD = "orders-app-old-secret";

    private static final String ISSUER = "https://idp.example";
    /** Every token the proxy takes names this audience; the cluster takes those that also name its own. */
    private static final String PROXY_AUDIENCE = "cutover";
    private static final String CLUSTER_AUDIENCE = "kafka-identity";
    /** A token's subject, known to the cluster's ACLs only. */
    private static final String ERIN = "erin";

    private static SecuredKafkaCluster cluster;
    private static Path idp;
    private static org.jose4j.jwk.RsaJsonWebKey signingKey;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        idp = Files.createTempDirectory("identity-idp");
        signingKey = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
        signingKey.setKeyId("identity-test");
        Path jwks = Files.writeString(idp.resolve("jwks.json"), new org.jose4j.jwk.JsonWebKeySet(signingKey).toJson());
        cluster = SecuredKafkaCluster.startAuthorizing("identity", Map.of(CAROL, CAROL_PASSWORD),
            new SecuredKafkaCluster.BearerTokens(jwks, ISSUER, CLUSTER_AUDIENCE));
        cluster.addScramUser(ORDERS_APP, ORDERS_APP_PASSWORD);
        cluster.addScramUser(AUDITOR, AUDITOR_PASSWORD);
        String any = ResourcePattern.WILDCARD_RESOURCE;
        // The proxy's own links answer clients' Metadata and FindCoordinator: the service user may describe topics and groups ...
        cluster.allow(SecuredKafkaCluster.PROXY_USER, ResourceType.TOPIC, any, AclOperation.DESCRIBE);
        cluster.allow(SecuredKafkaCluster.PROXY_USER, ResourceType.GROUP, any, AclOperation.DESCRIBE);
        // ... and may create auto- topics: which it must never do for a client that may not.
        cluster.allow(SecuredKafkaCluster.PROXY_USER, ResourceType.TOPIC, "auto-", AclOperation.CREATE);
        cluster.allow(ORDERS_APP, ResourceType.TOPIC, "orders-", AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE);
        cluster.allow(ORDERS_APP, ResourceType.GROUP, "orders-", AclOperation.READ);
        cluster.allow(CAROL, ResourceType.TOPIC, "payments-", AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE);
        cluster.allow(CAROL, ResourceType.GROUP, "payments-", AclOperation.READ);
        cluster.allow(ERIN, ResourceType.TOPIC, "invoices-", AclOperation.WRITE, AclOperation.READ, AclOperation.DESCRIBE);
        cluster.allow(ERIN, ResourceType.GROUP, "invoices-", AclOperation.READ);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** A JWT of {@code subject} from the test's identity provider, for {@code audiences}, valid ten minutes. */
    private static String token(String subject, String... audiences) throws Exception {
        org.jose4j.jwt.JwtClaims claims = new org.jose4j.jwt.JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(audiences);
        claims.setSubject(subject);
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(10);
        org.jose4j.jws.JsonWebSignature jws = new org.jose4j.jws.JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(signingKey.getPrivateKey());
        jws.setKeyIdHeaderValue(signingKey.getKeyId());
        jws.setAlgorithmHeaderValue(org.jose4j.jws.AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private static Map<String, Object> bearer(String token) {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "OAUTHBEARER");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required token=\"" + token + "\";");
        c.put("sasl.login.callback.handler.class", io.cutover.proxy.server.testkit.StaticJwtLoginHandler.class.getName());
        c.put("default.api.timeout.ms", 20_000);
        c.put("request.timeout.ms", 15_000);
        c.put("max.block.ms", 20_000);
        return c;
    }

    private static String topic(String prefix) throws Exception {
        String topic = Clients.unique(prefix);
        try (Admin admin = cluster.adminClient()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    /** Kafka client settings to log in to the proxy (SASL_PLAINTEXT: the test listener has no TLS). */
    private static Map<String, Object> login(String mechanism, String user, String password) {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
        c.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        c.put("default.api.timeout.ms", 20_000);
        c.put("request.timeout.ms", 15_000);
        c.put("max.block.ms", 20_000);
        return c;
    }

    private Path secretFile(String name, String secret) throws Exception {
        return Files.writeString(dir.resolve(name), secret + "\n");
    }

    private Map<String, Object> proxyFor(String identity) {
        Map<String, Object> o = new HashMap<>(cluster.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
            SecuredKafkaCluster.PROXY_PASSWORD, dir));
        o.put("clusters.source.security.identity", identity);
        o.put("listener.sasl.enabled", true);
        return o;
    }

    private static List<String> readAll(String bootstrap, String topic, String group, Map<String, Object> login, int expected) {
        List<String> read = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = Clients.consumer(bootstrap, group, login)) {
            consumer.subscribe(List.of(topic));
            try {
                Await.until(expected + " records read back through the proxy", DEADLINE, () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                    return read.size() >= expected;
                });
            } catch (AssertionError e) {
                // Whether the consumer never joined, joined without partitions, or had them and read nothing are three bugs.
                Map<String, Object> state = new java.util.LinkedHashMap<>();
                state.put("read", read);
                state.put("member", consumer.groupMetadata().memberId());
                state.put("generation", consumer.groupMetadata().generationId());
                for (var tp : consumer.assignment()) {
                    state.put(tp.toString(), "position " + consumer.position(tp, Duration.ofSeconds(5)));
                }
                throw new AssertionError(e.getMessage() + "; consumer: " + state, e);
            }
            consumer.commitSync();
        }
        return read;
    }

    @Test
    void aMappedPrincipalWritesAndReadsAsItsOwnUserAndAnUnmappedOneIsRefusedAtLogin() throws Exception {
        Path users = dir.resolve("users.json");
        for (String principal : List.of("alice", "bob", "dave", "frank")) {
            SaslUsers.add(users, principal, CLIENT_PASSWORD, List.of(ScramMechanism.SCRAM_SHA_512), 4096);
        }
        Path mapping = Files.writeString(dir.resolve("identities.conf"),
            "alice { source { mechanism = SCRAM-SHA-512, username = \"" + ORDERS_APP + "\", password-file = \""
                + secretFile("orders-app.pw", ORDERS_APP_PASSWORD) + "\" } }\n"
            + "dave { source { mechanism = SCRAM-SHA-512, username = \"" + AUDITOR + "\", password-file = \""
                + secretFile("auditor.pw", AUDITOR_PASSWORD) + "\" } }\n"
            // frank's mapping is wrong: the cluster refuses that password for orders-app.
            + "frank { source { mechanism = SCRAM-SHA-512, username = \"" + ORDERS_APP + "\", password-file = \""
                + secretFile("frank.pw", STALE_PASSWORD) + "\" } }\n");
        Map<String, Object> overrides = proxyFor("mapped");
        overrides.put("listener.sasl.users-file", users.toString());
        overrides.put("identity.mapping-file", mapping.toString());
        String topic = topic("orders");
        String group = Clients.unique("orders-group");

        // The service user alone could not have done this: it may describe the topic, not write it (a plain,
        // non-idempotent producer, so the refusal is the topic's, not the cluster's IdempotentWrite).
        Map<String, Object> service = new HashMap<>(cluster.clientConfig("SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
            SecuredKafkaCluster.PROXY_PASSWORD));
        service.put("enable.idempotence", false);
        try (KafkaProducer<String, String> direct = Clients.producer(cluster.bootstrapServers(), service)) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> direct.send(new ProducerRecord<>(topic, "x")).get(30,
                TimeUnit.SECONDS));
            assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
        }

        try (LogCapture connections = LogCapture.connections();
             LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            Map<String, Object> alice = login("SCRAM-SHA-512", "alice", CLIENT_PASSWORD);
            Map<String, Object> dave = login("SCRAM-SHA-512", "dave", CLIENT_PASSWORD);
            // Not idempotent: auditor may not even get a producer id, and the refusal to show is the write's.
            dave.put("enable.idempotence", false);
            try (KafkaProducer<String, String> aliceProducer = Clients.producer(proxy.bootstrapServers(), alice)) {
                aliceProducer.send(new ProducerRecord<>(topic, "a0")).get(30, TimeUnit.SECONDS);
                // dave writes through the same proxy, to the same broker, while alice's connections stay open: as
                // auditor, which may not write. Had the proxy shared an authenticated connection between them, this
                // write would have gone out as orders-app and succeeded.
                try (KafkaProducer<String, String> daveProducer = Clients.producer(proxy.bootstrapServers(), dave)) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> daveProducer.send(new ProducerRecord<>(topic,
                        "d0")).get(30, TimeUnit.SECONDS));
                    assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
                    for (int i = 1; i < 10; i++) {
                        aliceProducer.send(new ProducerRecord<>(topic, "a" + i)).get(30, TimeUnit.SECONDS);
                    }
                }
            }
            // Metadata is answered over the proxy's link, as the service user, which may create auto- topics; alice's
            // own user may not, so her producer's Metadata must not create one (auto.create.topics.enable is on).
            String auto = Clients.unique("auto");
            Map<String, Object> brief = new HashMap<>(alice);
            brief.put("max.block.ms", 3_000);
            try (KafkaProducer<String, String> autoProducer = Clients.producer(proxy.bootstrapServers(), brief)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> autoProducer.send(new ProducerRecord<>(auto, "x"))
                    .get(30, TimeUnit.SECONDS));
                assertInstanceOf(org.apache.kafka.common.errors.TimeoutException.class, e.getCause(), e.toString());
            }
            try (Admin direct = cluster.adminClient()) {
                assertFalse(direct.listTopics().names().get(30, TimeUnit.SECONDS).contains(auto), "no topic created for alice");
            }

            // Nor does it show the service user's rights as alice's. DescribeCluster is answered over the proxy's
            // links, so her rights there are not known (null) rather than wrong; DescribeTopicPartitions goes over
            // her own connection and reports orders-app's rights, which the service user (Describe only) lacks.
            try (Admin aliceAdmin = Admin.create(withBootstrap(proxy, alice))) {
                assertNull(aliceAdmin.describeCluster(new org.apache.kafka.clients.admin.DescribeClusterOptions()
                    .includeAuthorizedOperations(true)).authorizedOperations().get(30, TimeUnit.SECONDS));
                assertEquals(java.util.Set.of(AclOperation.DESCRIBE, AclOperation.READ, AclOperation.WRITE), aliceAdmin.describeTopics(
                    List.of(topic), new org.apache.kafka.clients.admin.DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames().get(30, TimeUnit.SECONDS).get(topic).authorizedOperations());
            }

            List<String> read = readAll(proxy.bootstrapServers(), topic, group, alice, 10);
            assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"), read, "alice's records, and none of dave's");
            try (Admin direct = cluster.adminClient()) {
                assertEquals(10, direct.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .values().iterator().next().offset(), "the group committed on the cluster, as orders-app");
            }

            // bob logged in with the right password, but the mapping names no user for him: refused at login.
            try (Admin bob = Admin.create(withBootstrap(proxy, login("SCRAM-SHA-512", "bob", CLIENT_PASSWORD)))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> bob.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
                assertTrue(e.getCause().getMessage().contains("principal bob has no user on cluster source"), e.getCause().getMessage());
            }
            Await.until("one log line naming bob", Duration.ofSeconds(10), () -> connections.contains("login refused", "principal bob"));
            assertEquals(1, connections.lines().stream().filter(l -> l.contains("principal bob")).count(), connections.lines().toString());
            // frank's password is right, his mapped user's is not: his login is refused, as the cluster refused it,
            // rather than accepted and then cut off.
            try (Admin frank = Admin.create(withBootstrap(proxy, login("SCRAM-SHA-512", "frank", CLIENT_PASSWORD)))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> frank.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
                assertTrue(e.getCause().getMessage().contains("cluster source refused the user identity.mapping-file names for principal "
                    + "frank"), e.getCause().getMessage());
            }
            Await.until("a log line naming frank and the user the cluster refused", Duration.ofSeconds(10),
                () -> connections.contains("login of frank refused by cluster source (identity mode mapped)", "the client's user " + ORDERS_APP));
            assertFalse(connections.contains("logged in as frank"));
            for (String secret : List.of(ORDERS_APP_PASSWORD, AUDITOR_PASSWORD, CLIENT_PASSWORD, STALE_PASSWORD,
                SecuredKafkaCluster.PROXY_PASSWORD)) {
                assertFalse(everything.lines().stream().anyMatch(l -> l.contains(secret)), "no secret in the log");
            }
        }
    }

    private static Map<String, Object> withBootstrap(RunningProxy proxy, Map<String, Object> login) {
        Map<String, Object> c = new HashMap<>(login);
        c.put("bootstrap.servers", proxy.bootstrapServers());
        return c;
    }

    @Test
    void passthroughPresentsTheClientsOwnPlainLoginAndTheClusterDecides() throws Exception {
        Map<String, Object> overrides = proxyFor("passthrough");
        // No users file: the proxy keeps no passwords, the cluster checks the ones clients log in with.
        overrides.put("listener.sasl.mechanisms", List.of("PLAIN"));
        String topic = topic("payments");
        String group = Clients.unique("payments-group");
        try (LogCapture connections = LogCapture.connections();
             LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            Map<String, Object> carol = login("PLAIN", CAROL, CAROL_PASSWORD);
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), carol)) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(topic, "p" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(List.of("p0", "p1", "p2", "p3", "p4"), readAll(proxy.bootstrapServers(), topic, group, carol, 5));
            assertTrue(connections.contains("logged in as " + CAROL), connections.lines().toString());

            // A wrong password reaches the cluster, which refuses it; the client hears the broker's own answer.
            try (Admin wrong = Admin.create(withBootstrap(proxy, login("PLAIN", CAROL, "not-carols-password")))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> wrong.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
                assertTrue(e.getCause().getMessage().contains("Invalid username or password"), e.getCause().getMessage());
            }
            Await.until("a log line for the refused passthrough login", Duration.ofSeconds(10),
                () -> connections.contains("login of " + CAROL + " refused by cluster source"));
            // A user the cluster does not know is refused the same way, though the proxy has no users of its own to compare.
            try (Admin stranger = Admin.create(withBootstrap(proxy, login("PLAIN", "mallory", CAROL_PASSWORD)))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> stranger.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            }
            for (String secret : List.of(CAROL_PASSWORD, "not-carols-password", SecuredKafkaCluster.PROXY_PASSWORD)) {
                assertFalse(everything.lines().stream().anyMatch(l -> l.contains(secret)), "no secret in the log");
            }
        }
    }

    @Test
    void passthroughPresentsTheClientsOwnBearerTokenAndTheClusterMayStillRefuseIt() throws Exception {
        Map<String, Object> overrides = proxyFor("passthrough");
        overrides.put("listener.sasl.mechanisms", List.of("OAUTHBEARER"));
        overrides.put("listener.sasl.oauthbearer.jwks-file", idp.resolve("jwks.json").toString());
        overrides.put("listener.sasl.oauthbearer.issuer", ISSUER);
        overrides.put("listener.sasl.oauthbearer.audience", PROXY_AUDIENCE);
        String topic = topic("invoices");
        try (LogCapture connections = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            Map<String, Object> erin = bearer(token(ERIN, PROXY_AUDIENCE, CLUSTER_AUDIENCE));
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), erin)) {
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(topic, "i" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            assertEquals(List.of("i0", "i1", "i2"), readAll(proxy.bootstrapServers(), topic, Clients.unique("invoices-group"), erin, 3),
                "written and read as erin, whom only the token names");

            // The proxy accepts a token for its own audience only; the cluster does not, and the client hears so.
            String proxyOnly = token(ERIN, PROXY_AUDIENCE);
            try (Admin refused = Admin.create(withBootstrap(proxy, bearer(proxyOnly)))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> refused.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            }
            Await.until("a log line for the token the cluster refused", Duration.ofSeconds(10),
                () -> connections.contains("OAUTHBEARER login of " + ERIN + " refused by cluster source"));
            assertFalse(connections.lines().stream().anyMatch(l -> l.contains(proxyOnly)), "no token in the log");
        }
    }

    /** Kafka client settings for mutual TLS to the proxy, with {@code leaf}'s certificate. */
    private static Map<String, Object> certificate(io.cutover.proxy.server.testkit.TestCertificates.Leaf leaf) {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SSL");
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.location", cluster.pki().caPem().toString());
        c.put("ssl.keystore.type", "PKCS12");
        c.put("ssl.keystore.location", leaf.keyStore().toString());
        c.put("ssl.keystore.password", io.cutover.proxy.server.testkit.TestCertificates.PASSWORD);
        c.put("default.api.timeout.ms", 20_000);
        c.put("request.timeout.ms", 10_000);
        c.put("max.block.ms", 20_000);
        return c;
    }

    @Test
    void aClientKnownByItsCertificateAloneReachesTheClusterAsItsMappedUser() throws Exception {
        var pki = cluster.pki();
        var server = pki.leaf("identity-proxy");
        Path mapping = Files.writeString(dir.resolve("identities.conf"),
            "cert-alice { source { mechanism = SCRAM-SHA-512, username = \"" + ORDERS_APP + "\", password-file = \""
                + secretFile("orders-app.pw", ORDERS_APP_PASSWORD) + "\" } }\n"
            + "cert-dave { source { mechanism = SCRAM-SHA-512, username = \"" + AUDITOR + "\", password-file = \""
                + secretFile("auditor.pw", AUDITOR_PASSWORD) + "\" } }\n");
        Map<String, Object> overrides = new HashMap<>(cluster.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
            SecuredKafkaCluster.PROXY_PASSWORD, dir));
        overrides.put("clusters.source.security.identity", "mapped");
        overrides.put("identity.mapping-file", mapping.toString());
        overrides.put("listener.tls.enabled", true);
        overrides.put("listener.tls.certificate-file", server.certificatePem().toString());
        overrides.put("listener.tls.key-file", server.keyPem().toString());
        overrides.put("listener.tls.client-auth", "required");
        overrides.put("listener.tls.ca-file", pki.caPem().toString());
        // The test CA puts the leaf's name in O=: that is the principal.
        overrides.put("listener.tls.principal-mapping-rules", "RULE:^.*O=([^,]+).*$/$1/,DEFAULT");
        String topic = topic("orders");
        try (LogCapture connections = LogCapture.connections();
             LogCapture everything = LogCapture.of("io.cutover");
             RunningProxy proxy = RunningProxy.in(cluster.bootstrapServers(), overrides)) {
            Map<String, Object> alice = certificate(pki.leaf("cert-alice"));
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), alice)) {
                for (int i = 0; i < 5; i++) {
                    producer.send(new ProducerRecord<>(topic, "c" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            List<String> read;
            try {
                read = readAll(proxy.bootstrapServers(), topic, Clients.unique("orders-group"), alice, 5);
            } catch (AssertionError e) {
                // Intermittent in CI (twice; not in 8 runs alone under load): the proxy's own counts tell a JoinGroup
                // that never reached it from one it did not forward, one the broker did not answer, and one it did not deliver.
                List<String> log = everything.lines();
                StringBuilder counts = new StringBuilder();
                for (String api : List.of("ApiVersions", "Metadata", "FindCoordinator", "JoinGroup", "SyncGroup", "OffsetFetch", "Fetch")) {
                    counts.append(api).append(": received ").append(proxy.metric("cutover_proxy_requests_total", "api=\"" + api + "\""))
                        .append(", forwarded ").append(proxy.metric("cutover_proxy_cluster_requests_total", "api=\"" + api + "\""))
                        .append(", answered ").append(proxy.metric("cutover_proxy_responses_total", "api=\"" + api + "\"")).append('\n');
                }
                throw new AssertionError(e.getMessage() + "\nproxy counts:\n" + counts + "proxy log, last lines:\n"
                    + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size())), e);
            }
            assertEquals(List.of("c0", "c1", "c2", "c3", "c4"), read, "written and read as orders-app, which only cert-alice maps to");

            // cert-dave maps to auditor, which may log in and nothing more: a write the service user could not do either,
            // but alice's success rules that out for hers, and this refusal shows dave is not orders-app.
            Map<String, Object> dave = certificate(pki.leaf("cert-dave"));
            dave.put("enable.idempotence", false);
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), dave)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> producer.send(new ProducerRecord<>(topic, "d"))
                    .get(30, TimeUnit.SECONDS));
                assertInstanceOf(TopicAuthorizationException.class, e.getCause(), e.toString());
            }

            // A certificate from the right CA whose principal the mapping does not name: closed, with one line saying why.
            Map<String, Object> bob = certificate(pki.leaf("cert-bob"));
            bob.put("default.api.timeout.ms", 5_000);
            bob.put("request.timeout.ms", 3_000);
            try (Admin admin = Admin.create(withBootstrap(proxy, bob))) {
                assertThrows(ExecutionException.class, () -> admin.listTopics().names().get(30, TimeUnit.SECONDS));
            }
            Await.until("a log line naming bob's certificate principal", Duration.ofSeconds(10),
                () -> connections.contains("certificate principal cert-bob has no user on cluster source"));
            String clients = proxy.send("GET", "/clients", null, Map.of()).body().replace(" ", "");
            assertTrue(clients.contains("\"principal\":\"cert-alice\""), clients);
            for (String secret : List.of(ORDERS_APP_PASSWORD, AUDITOR_PASSWORD, SecuredKafkaCluster.PROXY_PASSWORD)) {
                assertFalse(everything.lines().stream().anyMatch(l -> l.contains(secret)), "no secret in the log");
            }
        }
    }
}
