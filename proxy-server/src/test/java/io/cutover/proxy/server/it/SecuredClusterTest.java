package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.SecuredKafkaCluster;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The proxy in front of a real SASL_SSL cluster (SCRAM-SHA-512, certificates made at test time),
 * and serving TLS to its own clients.
 */
@ExtendWith(KafkaClusterExtension.class)
class SecuredClusterTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static SecuredKafkaCluster secured;
    private static EmbeddedKafkaCluster target;
    private static TestCertificates pki;

    @TempDir
    Path dir;

    @BeforeAll
    static void start(@Brokers(name = "target") EmbeddedKafkaCluster plaintextTarget) throws Exception {
        secured = SecuredKafkaCluster.start("secured");
        target = plaintextTarget;
        pki = secured.pki();
    }

    @AfterAll
    static void stop() throws Exception {
        if (secured != null) {
            secured.close();
        }
    }

    private Map<String, Object> scramSource() {
        return secured.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER, SecuredKafkaCluster.PROXY_PASSWORD, dir);
    }

    /** Kafka client settings for TLS to the proxy (which presents a certificate from the test CA for 127.0.0.1). */
    private static Map<String, Object> tlsToProxy() {
        return new HashMap<>(Map.of("security.protocol", "SSL", "ssl.truststore.type", "PEM", "ssl.truststore.location",
            pki.caPem().toString()));
    }

    @Test
    void producersConsumersAndAdminsWorkThroughTheProxyToASaslSslSource() throws Exception {
        Map<String, Object> overrides = new HashMap<>(scramSource());
        overrides.put("clusters.target.bootstrap-servers", List.of(target.bootstrapServers().split(",")));
        try (RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides)) {
            String health = Await.until("health reports both clusters up", DEADLINE, () -> proxy.get("/health").body(),
                b -> b.replaceAll("\\s", "").startsWith("{\"status\":\"UP\""));
            assertFalse(health.contains(SecuredKafkaCluster.PROXY_PASSWORD), health);

            String topic = Clients.unique("secured-orders");
            try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
                assertEquals(2, admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().size());
            }
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), Map.of("enable.idempotence", true))) {
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }
            String group = Clients.unique("secured-group");
            List<String> read = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), group, Map.of())) {
                consumer.subscribe(List.of(topic));
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (read.size() < 20 && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.add(r.value());
                    }
                }
                consumer.commitSync();
            }
            assertEquals(20, read.size(), "every record read back through the proxy");

            // The records are on the secured cluster itself, and the group committed there.
            try (Admin direct = Clients.admin(secured.bootstrapServers(),
                secured.clientConfig("PLAIN", SecuredKafkaCluster.ADMIN, SecuredKafkaCluster.ADMIN_PASSWORD))) {
                long end = 0;
                for (int p = 0; p < 2; p++) {
                    end += direct.listOffsets(Map.of(new TopicPartition(topic, p), OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
                        .values().iterator().next().offset();
                }
                assertEquals(20, end);
                assertEquals(20, direct.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                    .values().stream().mapToLong(o -> o.offset()).sum());
            }
        }
    }

    @Test
    void plainMechanismAuthenticatesToo() throws Exception {
        Map<String, Object> overrides = secured.proxySecurity("source", "PLAIN", SecuredKafkaCluster.PLAIN_PROXY_USER,
            SecuredKafkaCluster.PLAIN_PROXY_PASSWORD, dir);
        try (RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides);
             Admin admin = Clients.admin(proxy.bootstrapServers())) {
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
        }
    }

    @Test
    void aWrongPasswordIsAClearHealthErrorNotAHang() throws Exception {
        String wrong = "not-the-proxy-password";
        Map<String, Object> overrides = new HashMap<>(secured.proxySecurity("source", "SCRAM-SHA-512", SecuredKafkaCluster.PROXY_USER,
            wrong, dir));
        overrides.put("discovery.startup-wait", "3 seconds");
        overrides.put("limits.upstream-request-timeout", "3 seconds");
        long started = System.nanoTime();
        try (LogCapture log = LogCapture.of("io.cutover.proxy.server.upstream");
             RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides)) {
            long startMillis = (System.nanoTime() - started) / 1_000_000;
            assertTrue(startMillis < 30_000, "the proxy started in " + startMillis + " ms, not blocked on the cluster");
            var health = Await.until("health names the authentication failure", DEADLINE, () -> proxy.get("/health"),
                r -> r.statusCode() == 503 && r.body().contains("SASL_AUTHENTICATION_FAILED"));
            String body = health.body();
            assertTrue(body.contains(SecuredKafkaCluster.PROXY_USER) && body.contains("SCRAM-SHA-512"), body);
            assertFalse(body.contains(wrong), "the password is not shown: " + body);
            Await.until("one log line says why the cluster is unreachable", DEADLINE,
                () -> log.contains("cluster source is unreachable", "SASL_AUTHENTICATION_FAILED"));
            assertTrue(log.lines().stream().noneMatch(l -> l.contains(wrong)), "no password in " + log.lines());

            // A client is answered promptly with an error, not left hanging.
            try (Admin admin = Clients.admin(proxy.bootstrapServers(), Map.of("default.api.timeout.ms", 10_000,
                "request.timeout.ms", 5_000))) {
                assertThrows(ExecutionException.class, () -> admin.describeTopics(List.of("anything")).allTopicNames()
                    .get(30, TimeUnit.SECONDS));
            }
        }
    }

    // ---- TLS between clients and the proxy ---------------------------------------------------

    /** Proxy overrides serving TLS from {@code cert}/{@code key} in front of the secured cluster. */
    private Map<String, Object> tlsListener(Path cert, Path key) {
        Map<String, Object> o = new HashMap<>(scramSource());
        o.put("listener.tls.enabled", true);
        o.put("listener.tls.certificate-file", cert.toString());
        o.put("listener.tls.key-file", key.toString());
        return o;
    }

    private static SSLContext trustingTheTestCa() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pki.caPem())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static BigInteger servedSerial(String hostPort, SSLContext tls) {
        try (RawKafkaClient c = RawKafkaClient.connectTls(hostPort, tls)) {
            return c.peerCertificate().getSerialNumber();
        }
    }

    /** An ApiVersions round trip on an open connection: proof that it still works. */
    private static void apiVersionsAnswered(RawKafkaClient c) {
        int id = c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("tls-test")
            .setClientSoftwareVersion("1"));
        RawKafkaClient.Response r = c.receive(ApiKeys.API_VERSIONS, (short) 3);
        assertEquals(id, r.correlationId());
        assertEquals(0, ((ApiVersionsResponseData) r.body()).errorCode());
    }

    private static void replaceAtomically(Path from, Path to) throws Exception {
        Path tmp = Files.copy(from, to.resolveSibling(to.getFileName() + ".tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void aNewListenerCertificateIsServedWhileAProducerKeepsRunningAndNoConnectionIsDropped() throws Exception {
        TestCertificates.Leaf first = pki.leaf("proxy-first");
        TestCertificates.Leaf second = pki.leaf("proxy-second");
        Path cert = dir.resolve("proxy.crt");
        Path key = dir.resolve("proxy.key");
        Files.copy(first.certificatePem(), cert);
        Files.copy(first.keyPem(), key);
        Map<String, Object> overrides = tlsListener(cert, key);
        overrides.put("listener.tls.reload-interval", "200 ms");
        SSLContext tls = trustingTheTestCa();
        try (RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides)) {
            String bootstrap = proxy.bootstrapServers();
            assertEquals(first.serial(), servedSerial(bootstrap, tls));
            String topic = Clients.unique("tls-reload");
            try (Admin admin = Clients.admin(bootstrap, tlsToProxy())) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            AtomicLong acked = new AtomicLong();
            AtomicReference<Exception> failed = new AtomicReference<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Map<String, Object> producerConfig = tlsToProxy();
            producerConfig.put("acks", "all");
            Thread producing = new Thread(() -> {
                try (KafkaProducer<String, String> producer = Clients.producer(bootstrap, producerConfig)) {
                    while (running.get()) {
                        producer.send(new ProducerRecord<>(topic, "k", "v" + acked.get())).get(30, TimeUnit.SECONDS);
                        acked.incrementAndGet();
                    }
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "tls-reload-producer");
            producing.start();
            try (RawKafkaClient openBefore = RawKafkaClient.connectTls(bootstrap, tls)) {
                Await.until("the producer writes through TLS", DEADLINE, () -> acked.get() >= 5 || failed.get() != null);
                apiVersionsAnswered(openBefore);
                assertEquals(first.serial(), openBefore.peerCertificate().getSerialNumber());

                replaceAtomically(second.certificatePem(), cert);
                replaceAtomically(second.keyPem(), key);
                Await.until("new handshakes get the new certificate", DEADLINE, () -> second.serial().equals(servedSerial(bootstrap, tls)));

                long atReload = acked.get();
                Await.until("the producer keeps writing after the reload", DEADLINE, () -> acked.get() >= atReload + 20
                    || failed.get() != null);
                apiVersionsAnswered(openBefore); // the connection made before the reload was not dropped
            } finally {
                running.set(false);
                producing.join(60_000);
            }
            assertEquals(null, failed.get(), "the producer never failed");
            try (Admin direct = Clients.admin(secured.bootstrapServers(),
                secured.clientConfig("PLAIN", SecuredKafkaCluster.ADMIN, SecuredKafkaCluster.ADMIN_PASSWORD))) {
                long end = direct.listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS)
                    .values().iterator().next().offset();
                assertEquals(acked.get(), end, "every acknowledged record is on the SASL_SSL cluster");
            }
        }
    }

    /**
     * TLS on both of the proxy's sides with each engine: a producer and a consumer through the TLS
     * listener, the proxy through SASL_SSL to the cluster, records large enough to span many TLS
     * records each way.
     */
    @ParameterizedTest
    @ValueSource(strings = {"openssl", "jdk"})
    void aProducerAndAConsumerGoThroughTheTlsListenerWithEachEngine(String engine) throws Exception {
        assumeTrue(!engine.equals("openssl") || io.netty.handler.ssl.OpenSsl.isAvailable(), "OpenSSL does not load here");
        TestCertificates.Leaf leaf = pki.leaf("proxy-" + engine);
        Map<String, Object> overrides = tlsListener(leaf.certificatePem(), leaf.keyPem());
        overrides.put("tls.engine", engine);
        try (LogCapture log = LogCapture.of("io.cutover.proxy.server.security");
             LogCapture connections = LogCapture.connections();
             RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides)) {
            assertEquals(1.0, proxy.metric("cutover_proxy_tls_engine", "place=\"listener\"", "engine=\"" + engine + "\""));
            assertEquals(1.0, proxy.metric("cutover_proxy_tls_engine", "place=\"source\"", "engine=\"" + engine + "\""));
            assertEquals(2.0, proxy.metric("cutover_proxy_tls_engine"), "the listener and the source cluster, nothing else");
            assertTrue(log.contains("listener TLS engine: " + (engine.equals("openssl") ? "OpenSSL (" : "JDK (")),
                "the start log names the engine: " + log.lines());

            String topic = Clients.unique("tls-" + engine);
            try (Admin admin = Clients.admin(proxy.bootstrapServers(), tlsToProxy())) {
                admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            int count = 300;
            java.util.Random random = new java.util.Random(42);
            Map<String, String> sent = new HashMap<>();
            try (KafkaProducer<String, String> producer = Clients.producer(proxy.bootstrapServers(), tlsToProxy())) {
                List<java.util.concurrent.Future<?>> acks = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    char[] value = new char[1_000 + random.nextInt(40_000)];
                    for (int c = 0; c < value.length; c++) {
                        value[c] = (char) ('a' + random.nextInt(26));
                    }
                    sent.put("k" + i, new String(value));
                    acks.add(producer.send(new ProducerRecord<>(topic, "k" + i, sent.get("k" + i))));
                }
                for (java.util.concurrent.Future<?> ack : acks) {
                    ack.get(60, TimeUnit.SECONDS);
                }
            }
            Map<String, String> read = new HashMap<>();
            try (KafkaConsumer<String, String> consumer = Clients.consumer(proxy.bootstrapServers(), Clients.unique("tls-group"),
                tlsToProxy())) {
                consumer.subscribe(List.of(topic));
                Await.until("every record is read back through the TLS listener", DEADLINE, () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        read.put(r.key(), r.value());
                    }
                    return read.size() >= count;
                });
            }
            assertEquals(sent, read, "every record came back whole");
            assertTrue(connections.lines().stream().noneMatch(l -> l.contains("refusing connection")),
                "no handshake failed: " + connections.lines());
        }
    }

    @Test
    void plaintextAndGarbageOnTheTlsPortAreRefusedWithOneLineEachAndTlsClientsCarryOn() throws Exception {
        TestCertificates.Leaf leaf = pki.leaf("proxy-refusals");
        try (RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), tlsListener(leaf.certificatePem(), leaf.keyPem()));
             Admin admin = Clients.admin(proxy.bootstrapServers(), tlsToProxy());
             LogCapture log = LogCapture.connections()) {
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            try (RawKafkaClient plaintext = RawKafkaClient.connect(proxy.bootstrapServers())) {
                plaintext.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("plain")
                    .setClientSoftwareVersion("1"));
                assertTrue(plaintext.closedByPeer(), "a plaintext Kafka client is closed");
            }
            try (RawKafkaClient garbage = RawKafkaClient.connect(proxy.bootstrapServers())) {
                garbage.sendBytes("GET / HTTP/1.1\r\nHost: proxy\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                assertTrue(garbage.closedByPeer(), "an HTTP client is closed");
            }
            Await.until("each refusal is logged", DEADLINE, () -> log.lines().stream().filter(l -> l.contains("does not speak TLS")).count() >= 2);
            assertEquals(2, log.lines().size(), "one line per refused connection, nothing else: " + log.lines());
            assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size(), "the TLS client is unaffected");
            String topic = Clients.unique("after-garbage");
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
        }
    }

    @Test
    void requiredClientCertificatesRefuseAClientWithoutOne() throws Exception {
        TestCertificates.Leaf server = pki.leaf("proxy-mtls");
        TestCertificates.Leaf client = pki.leaf("app-client");
        Map<String, Object> overrides = tlsListener(server.certificatePem(), server.keyPem());
        overrides.put("listener.tls.client-auth", "required");
        overrides.put("listener.tls.ca-file", pki.caPem().toString());
        overrides.put("listener.tls.principal-mapping-rules", "RULE:^.*O=([^,]+).*$/$1/,DEFAULT");
        try (RunningProxy proxy = RunningProxy.in(secured.bootstrapServers(), overrides);
             LogCapture log = LogCapture.connections()) {
            Map<String, Object> anonymous = tlsToProxy();
            anonymous.put("default.api.timeout.ms", 15_000);
            anonymous.put("request.timeout.ms", 10_000);
            try (Admin admin = Clients.admin(proxy.bootstrapServers(), anonymous)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS));
                assertInstanceOf(SslAuthenticationException.class, e.getCause(), e.toString());
            }
            Await.until("the refused handshake is logged", DEADLINE, () -> log.contains("refusing connection", "TLS handshake failed"));

            Map<String, Object> withCertificate = tlsToProxy();
            withCertificate.put("ssl.keystore.type", "PKCS12");
            withCertificate.put("ssl.keystore.location", client.keyStore().toString());
            withCertificate.put("ssl.keystore.password", TestCertificates.PASSWORD);
            try (Admin admin = Clients.admin(proxy.bootstrapServers(), withCertificate)) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            }
            // The certificate's subject, mapped by the rules, is the client's principal in the inventory.
            String clients = proxy.send("GET", "/clients", null, Map.of()).body().replace(" ", "");
            assertTrue(clients.contains("\"principal\":\"app-client\""), clients);
        }
    }
}
