package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.cli.Main;
import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * SASL terminated at the proxy (listener.sasl) in front of a plaintext cluster: real Java clients log
 * in with SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, as users `cutover-proxy users add` wrote; a wrong
 * password and a request before logging in are refused as a broker refuses them, with a log line
 * that carries no secret, while the others go on.
 */
@ExtendWith(KafkaClusterExtension.class)
class ClientSaslTest {
    private static final String PASSWORD = "alice-secret-pw";

    private static Map<String, Object> login(String mechanism, String user, String password) {
        Map<String, Object> c = new HashMap<>();
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", mechanism);
        String module = mechanism.equals("PLAIN") ? "org.apache.kafka.common.security.plain.PlainLoginModule"
            : "org.apache.kafka.common.security.scram.ScramLoginModule";
        c.put("sasl.jaas.config", module + " required username=\"" + user + "\" password=\"" + password + "\";");
        return c;
    }

    @Test
    void clientsLogInToTheProxyAndAWrongPasswordOrAnEarlyRequestIsRefused(EmbeddedKafkaCluster cluster, @TempDir Path dir)
        throws Exception {
        Path users = dir.resolve("users.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int added = Main.run(new String[] {"users", "add", "alice", "--file", users.toString()}, new PrintStream(out, true,
            StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, added, out.toString(StandardCharsets.UTF_8));
        String stored = Files.readString(users);
        assertTrue(stored.contains("SCRAM-SHA-512") && stored.contains("storedKey"), stored);
        assertFalse(stored.contains(PASSWORD), "no password in the users file");

        String topic = Clients.unique("sasl-login");
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.users-file", users.toString()))) {
            try (Admin admin = Admin.create(with(proxy, login("SCRAM-SHA-512", "alice", PASSWORD)))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), login("SCRAM-SHA-256", "alice",
                PASSWORD))) {
                for (int i = 0; i < 10; i++) {
                    producer.send(new ProducerRecord<>(topic, "v" + i)).get();
                }
            }
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("sasl-group"),
                login("PLAIN", "alice", PASSWORD))) {
                consumer.subscribe(List.of(topic));
                Await.until("ten records read with PLAIN", Duration.ofSeconds(60), () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                    return read.size() >= 10;
                });
            }
            assertEquals(10, read.size());
            assertTrue(log.contains("logged in as alice"));
            String inventory = proxy.send("GET", "/clients", null, Map.of()).body();
            assertTrue(inventory.replace(" ", "").contains("\"principal\":\"alice\""), "the inventory records who logged in: " + inventory);

            // A wrong password: the client gets an authentication error; the log line has no secret.
            Map<String, Object> wrong = with(proxy, login("SCRAM-SHA-512", "alice", "not-the-password"));
            wrong.put("default.api.timeout.ms", 15_000);
            wrong.put("request.timeout.ms", 10_000);
            try (Admin admin = Admin.create(wrong)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            }
            Await.until("a log line for the refused login", Duration.ofSeconds(10), () -> log.contains("login refused"));
            assertFalse(log.contains("not-the-password"), "no secret in the log");

            // Before logging in a client may ask ApiVersions, which costs no connection to a broker;
            // any other request closes the connection, as a broker does.
            double upstreamBefore = proxy.metric("cutover_proxy_upstream_connections_active");
            try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                raw.setTimeoutMillis(10_000);
                raw.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("raw")
                    .setClientSoftwareVersion("1.0"));
                ApiVersionsResponseData versions = raw.receive(ApiKeys.API_VERSIONS, (short) 3).as(ApiVersionsResponseData.class);
                assertEquals(0, versions.errorCode());
                assertTrue(versions.apiKeys().find(ApiKeys.SASL_HANDSHAKE.id) != null, "SaslHandshake is offered");
                assertTrue(proxy.metric("cutover_proxy_upstream_connections_active") <= upstreamBefore,
                    "no broker connection for a client that has not logged in");
                raw.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData());
                assertTrue(raw.closedByPeer());
            }
            Await.until("a log line for the request before logging in", Duration.ofSeconds(10),
                () -> log.contains("before logging in", "UNAUTHENTICATED_REQUEST"));

            // Everyone else carries on.
            try (Admin admin = Admin.create(with(proxy, login("SCRAM-SHA-512", "alice", PASSWORD)))) {
                assertTrue(admin.listTopics().names().get().contains(topic));
            }
        }
    }

    private static Map<String, Object> with(RunningProxy proxy, Map<String, Object> login) {
        Map<String, Object> c = new HashMap<>(login);
        c.put("bootstrap.servers", proxy.bootstrapServers());
        return c;
    }

    /** Writes a users file with alice, as `cutover-proxy users add` does. */
    private static Path usersFile(Path dir) {
        Path users = dir.resolve("users.json");
        int added = Main.run(new String[] {"users", "add", "alice", "--file", users.toString()},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new ByteArrayInputStream((PASSWORD + "\n").getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, added);
        return users;
    }

    /**
     * Non-Java clients log in to the proxy: kafkajs with SCRAM-SHA-512 and PLAIN, librdkafka
     * (Debian's 2.0.2) with PLAIN and SCRAM-SHA-512, the latter thanks to the accepted nonce quirk.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"kafkajs, SCRAM-SHA-512", "kafkajs, PLAIN", "librdkafka, PLAIN", "librdkafka, SCRAM-SHA-512"})
    void nonJavaClientsLogInToTheProxy(String kind, String mechanism, EmbeddedKafkaCluster cluster, @TempDir Path dir)
        throws Exception {
        Path clients = Path.of("src/test/clients").toAbsolutePath();
        boolean present = kind.equals("kafkajs") ? Files.isDirectory(clients.resolve("node_modules/kafkajs"))
            : new ProcessBuilder("/usr/bin/python3", "-c", "import confluent_kafka").start().waitFor() == 0;
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(kind + " is not installed; .ci/run should have installed it");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, kind + " is not installed here (CI installs it)");
        String topic = Clients.unique("sasl-" + kind);
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.users-file", usersFile(dir).toString()))) {
            List<String> command = new ArrayList<>(kind.equals("kafkajs")
                ? List.of("node", clients.resolve("kafkajs_sasl.js").toString())
                : List.of("/usr/bin/python3", clients.resolve("librdkafka_sasl.py").toString()));
            command.addAll(List.of(proxy.bootstrapServers(), topic, mechanism, "alice", PASSWORD, "20"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the client finished");
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("SASL-" + kind + "-" + mechanism + " " + printed.trim());
            assertEquals(0, p.exitValue(), printed);
            assertTrue(printed.contains("\"ok\": true") || printed.contains("\"ok\":true"), printed);
            assertTrue(log.contains("logged in as alice"));
        }
    }

    /**
     * KIP-368: with a session lifetime, the Java client logs in again on its connections before the
     * session ends and goes on producing; a client that does not is closed at its next request.
     */
    @Test
    void sessionsEndAndClientsLogInAgainOnTheSameConnection(EmbeddedKafkaCluster cluster, @TempDir Path dir) throws Exception {
        String topic = Clients.unique("sasl-reauth");
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.users-file", usersFile(dir).toString(), "listener.sasl.session-lifetime", "2 seconds"));
             KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), login("SCRAM-SHA-512", "alice",
                 PASSWORD))) {
            long start = System.nanoTime();
            int acked = 0;
            // Past three session lifetimes of steady writes on the same connections.
            while (System.nanoTime() - start < Duration.ofSeconds(7).toNanos()) {
                producer.send(new ProducerRecord<>(topic, "v" + acked)).get(30, java.util.concurrent.TimeUnit.SECONDS);
                acked++;
            }
            assertTrue(log.contains("logged in again as alice"), "the client re-authenticated");
            assertFalse(log.contains("did not log in again"), "no connection was closed for an ended session");

            // A client that logs in (PLAIN) and then lets its session end is closed at its next request.
            try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                raw.setTimeoutMillis(10_000);
                raw.send(ApiKeys.SASL_HANDSHAKE, (short) 1, new org.apache.kafka.common.message.SaslHandshakeRequestData()
                    .setMechanism("PLAIN"));
                raw.receive(ApiKeys.SASL_HANDSHAKE, (short) 1);
                raw.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                    .setAuthBytes(("\u0000alice\u0000" + PASSWORD).getBytes(StandardCharsets.UTF_8)));
                var answer = raw.receive(ApiKeys.SASL_AUTHENTICATE, (short) 2)
                    .as(org.apache.kafka.common.message.SaslAuthenticateResponseData.class);
                assertEquals(0, answer.errorCode(), answer.toString());
                assertEquals(2000, answer.sessionLifetimeMs());
                long ends = System.nanoTime() + Duration.ofMillis(answer.sessionLifetimeMs()).toNanos();
                Await.until("the session's end", Duration.ofSeconds(10), () -> System.nanoTime() - ends > 0);
                raw.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData());
                assertTrue(raw.closedByPeer());
            }
            Await.until("a log line for the ended session", Duration.ofSeconds(10), () -> log.contains("did not log in again"));
        }
    }

    /**
     * Debian's kcat 2.0.2 (librdkafka before 2.6.1) logs in with SCRAM-SHA-512, whose final message
     * repeats the client nonce: a Kafka 4.x broker refuses it; the proxy accepts it by default and
     * says so, and refuses it like a 4.x broker with listener.sasl.accept-old-librdkafka-nonce = false.
     */
    @ParameterizedTest(name = "accept-old-librdkafka-nonce={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void kcatLogsInWithScramDespiteItsRepeatedNonceUnlessSwitchedOff(boolean accept, EmbeddedKafkaCluster cluster, @TempDir Path dir)
        throws Exception {
        boolean present = Files.isExecutable(Path.of("/usr/bin/kcat"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("kcat is not installed; .ci/run should have installed it");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "kcat is not installed here (CI installs it)");
        String topic = Clients.unique("sasl-kcat");
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.users-file", usersFile(dir).toString(), "listener.sasl.accept-old-librdkafka-nonce", accept))) {
            List<String> command = List.of("/usr/bin/kcat", "-b", proxy.bootstrapServers(), "-X", "security.protocol=SASL_PLAINTEXT",
                "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=alice", "-X", "sasl.password=" + PASSWORD,
                "-m", "15", "-P", "-t", topic);
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().write("from-kcat\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "kcat finished");
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.out.println("SASL-kcat accept=" + accept + " exit=" + p.exitValue() + " " + printed.trim());
            if (accept) {
                assertEquals(0, p.exitValue(), printed);
                assertTrue(log.contains("logged in as alice", "librdkafka before 2.6.1"), log.lines().toString());
                String clients = proxy.send("GET", "/clients", null, Map.of()).body().replace(" ", "");
                assertTrue(clients.contains("\"oldLibrdkafkaScramNonce\":true"), "the inventory flags the client: " + clients);
                try (KafkaConsumer<String, String> c = Clients.consumer(cluster.bootstrapServers(), null, Map.of())) {
                    var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
                    c.assign(List.of(tp));
                    c.seekToBeginning(List.of(tp));
                    List<String> got = new ArrayList<>();
                    Await.until("kcat's record in the topic", Duration.ofSeconds(30), () -> {
                        c.poll(Duration.ofMillis(200)).forEach(r -> got.add(r.value()));
                        return got.contains("from-kcat");
                    });
                }
            } else {
                assertTrue(p.exitValue() != 0 || !printed.isEmpty(), printed);
                Await.until("the refused login is logged", Duration.ofSeconds(30), () -> log.contains("login refused", "nonce"));
                assertFalse(log.contains("logged in as alice"));
            }
        }
    }

    /** A JWT signed with {@code key}, from {@code issuer} for audience "cutover", expiring {@code expiresInSeconds} from now. */
    private static String jwt(org.jose4j.jwk.RsaJsonWebKey key, String issuer, String subject, long expiresInSeconds) throws Exception {
        org.jose4j.jwt.JwtClaims claims = new org.jose4j.jwt.JwtClaims();
        claims.setIssuer(issuer);
        claims.setAudience("cutover");
        claims.setSubject(subject);
        claims.setIssuedAtToNow();
        org.jose4j.jwt.NumericDate exp = org.jose4j.jwt.NumericDate.now();
        exp.addSeconds(expiresInSeconds);
        claims.setExpirationTime(exp);
        org.jose4j.jws.JsonWebSignature jws = new org.jose4j.jws.JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(key.getPrivateKey());
        jws.setKeyIdHeaderValue(key.getKeyId());
        jws.setAlgorithmHeaderValue(org.jose4j.jws.AlgorithmIdentifiers.RSA_USING_SHA256);
        return jws.getCompactSerialization();
    }

    private static Map<String, Object> oauth(RunningProxy proxy, String token) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", proxy.bootstrapServers());
        c.put("security.protocol", "SASL_PLAINTEXT");
        c.put("sasl.mechanism", "OAUTHBEARER");
        c.put("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required token=\"" + token + "\";");
        c.put("sasl.login.callback.handler.class", io.cutover.proxy.server.testkit.StaticJwtLoginHandler.class.getName());
        c.put("default.api.timeout.ms", 15_000);
        c.put("request.timeout.ms", 10_000);
        return c;
    }

    /**
     * OAUTHBEARER at the proxy: a JWT signed by a key of the configured JWKS file, from the configured
     * issuer, for the configured audience, logs in as its subject; an expired one, one signed by
     * another key, or one from another issuer is refused as a broker refuses it.
     */
    @Test
    void jwtsSignedByTheConfiguredKeysLogInAndOthersAreRefused(EmbeddedKafkaCluster cluster, @TempDir Path dir) throws Exception {
        org.jose4j.jwk.RsaJsonWebKey key = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
        key.setKeyId("proxy-test-key");
        org.jose4j.jwk.RsaJsonWebKey other = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
        other.setKeyId("proxy-test-key");
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, new org.jose4j.jwk.JsonWebKeySet(key).toJson());
        assertFalse(Files.readString(jwks).contains("\"d\""), "only the public key is in the JWKS file");
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.mechanisms", List.of("OAUTHBEARER"), "listener.sasl.oauthbearer.jwks-file", jwks.toString(),
                 "listener.sasl.oauthbearer.issuer", "https://idp.example", "listener.sasl.oauthbearer.audience", "cutover",
                 "listener.sasl.session-lifetime", "1 hour"))) {
            try (Admin admin = Admin.create(oauth(proxy, jwt(key, "https://idp.example", "orders-app", 600)))) {
                assertTrue(admin.listTopics().names().get() != null);
            }
            assertTrue(log.contains("logged in as orders-app"), log.lines().toString());

            // The session (KIP-368) ends when the token expires, not an hour later: a broker does the same.
            try (RawKafkaClient raw = RawKafkaClient.connect(proxy.bootstrapServers())) {
                raw.setTimeoutMillis(10_000);
                raw.send(ApiKeys.SASL_HANDSHAKE, (short) 1, new org.apache.kafka.common.message.SaslHandshakeRequestData()
                    .setMechanism("OAUTHBEARER"));
                raw.receive(ApiKeys.SASL_HANDSHAKE, (short) 1);
                String token = jwt(key, "https://idp.example", "short-lived", 30);
                raw.send(ApiKeys.SASL_AUTHENTICATE, (short) 2, new org.apache.kafka.common.message.SaslAuthenticateRequestData()
                    .setAuthBytes(("n,,\u0001auth=Bearer " + token + "\u0001\u0001").getBytes(StandardCharsets.UTF_8)));
                var answer = raw.receive(ApiKeys.SASL_AUTHENTICATE, (short) 2)
                    .as(org.apache.kafka.common.message.SaslAuthenticateResponseData.class);
                assertEquals(0, answer.errorCode(), answer.toString());
                assertTrue(answer.sessionLifetimeMs() > 20_000 && answer.sessionLifetimeMs() <= 30_000, answer.toString());
            }
            for (String bad : List.of(jwt(key, "https://idp.example", "orders-app", -600), jwt(other, "https://idp.example", "orders-app", 600),
                jwt(key, "https://elsewhere.example", "orders-app", 600))) {
                try (Admin admin = Admin.create(oauth(proxy, bad))) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> admin.listTopics().names().get());
                    assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
                }
            }
            for (String why : List.of("expired", "not signed by a key of the configured JWKS file", "not from the configured issuer")) {
                Await.until("a refused login logged as " + why, Duration.ofSeconds(10),
                    () -> log.lines().stream().anyMatch(l -> l.contains("OAUTHBEARER login refused") && l.contains(why)));
            }
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("eyJ")), "no token in the log");
        }
    }

    /**
     * OAUTHBEARER with a JWKS URL: the keys are fetched from the provider at start; when it rotates
     * to a new key, a token signed with it is refused while the proxy holds the old keys, the
     * unknown key id has the JWKS fetched again, and the client's next login passes. The provider
     * is a small HTTP server in this test.
     */
    @Test
    void keysFromAJwksUrlAreFetchedAgainWhenATokenNamesANewKey(EmbeddedKafkaCluster cluster) throws Exception {
        org.jose4j.jwk.RsaJsonWebKey first = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
        first.setKeyId("idp-key-1");
        org.jose4j.jwk.RsaJsonWebKey rotated = org.jose4j.jwk.RsaJwkGenerator.generateJwk(2048);
        rotated.setKeyId("idp-key-2");
        java.util.concurrent.atomic.AtomicReference<String> served =
            new java.util.concurrent.atomic.AtomicReference<>(new org.jose4j.jwk.JsonWebKeySet(first).toJson());
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer idp = com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress("127.0.0.1", RunningProxy.nextPortRange()), 0);
        idp.createContext("/jwks", exchange -> {
            fetches.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        idp.start();
        String url = "http://127.0.0.1:" + idp.getAddress().getPort() + "/jwks";
        try (LogCapture log = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(cluster, Map.of("listener.sasl.enabled", true,
                 "listener.sasl.mechanisms", List.of("OAUTHBEARER"), "listener.sasl.oauthbearer.jwks-url", url,
                 "listener.sasl.oauthbearer.issuer", "https://idp.example", "listener.sasl.oauthbearer.audience", "cutover"))) {
            assertEquals(1, fetches.get(), "fetched once at start");
            try (Admin admin = Admin.create(oauth(proxy, jwt(first, "https://idp.example", "orders-app", 600)))) {
                assertTrue(admin.listTopics().names().get() != null);
            }

            // The provider rotates: only the new key is served from now on.
            served.set(new org.jose4j.jwk.JsonWebKeySet(rotated).toJson());
            String token = jwt(rotated, "https://idp.example", "orders-app", 600);
            try (Admin admin = Admin.create(oauth(proxy, token))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), e.toString());
            }
            Await.until("the refusal says the key id is unknown", Duration.ofSeconds(10), () -> log.lines().stream()
                .anyMatch(l -> l.contains("OAUTHBEARER login refused") && l.contains("does not hold")));
            Await.until("the JWKS fetched again", Duration.ofSeconds(10), () -> fetches.get() >= 2);
            Await.until("a login with the new key passes", Duration.ofSeconds(30), () -> {
                try (Admin admin = Admin.create(oauth(proxy, token))) {
                    return admin.listTopics().names().get() != null;
                } catch (ExecutionException refusedStill) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            });
            try (Admin admin = Admin.create(oauth(proxy, jwt(first, "https://idp.example", "orders-app", 600)))) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> admin.listTopics().names().get());
                assertInstanceOf(SaslAuthenticationException.class, e.getCause(), "the retired key no longer logs in: " + e);
            }
        } finally {
            idp.stop(0);
        }
    }
}
