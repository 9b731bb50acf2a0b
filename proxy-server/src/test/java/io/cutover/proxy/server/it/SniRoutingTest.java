package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Brokers;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.NamedHostClients;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import io.cutover.proxy.server.testkit.TestCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * listener.tls.sni in front of a real two-broker cluster: one TLS port, the bootstrap port, serves the
 * bootstrap and both brokers, each chosen by the server name the client asks for. The certificate is a
 * wildcard for the names (*.kafka.test); they reach 127.0.0.1 either by asking for the name on a
 * socket to 127.0.0.1, or, for Kafka's own clients, through a hosts file of the test's in a child JVM.
 */
@ExtendWith(KafkaClusterExtension.class)
class SniRoutingTest {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String BOOTSTRAP = "bootstrap.kafka.test";
    private static final String PATTERN = "broker-$(nodeId).kafka.test";
    private static TestCertificates pki;
    private static TestCertificates.Leaf leaf;

    @TempDir
    Path dir;

    @BeforeAll
    static void certificate() {
        pki = TestCertificates.shared();
        leaf = pki.leaf("proxy-sni", List.of("*.kafka.test"));
    }

    private static String broker(int nodeId) {
        return PATTERN.replace("$(nodeId)", Integer.toString(nodeId));
    }

    /** A proxy serving SNI on a fixed bootstrap port (PortRanges), and that port. */
    private static RunningProxy sniProxy(EmbeddedKafkaCluster cluster, int port) {
        Map<String, Object> o = new HashMap<>();
        o.put("listener.bootstrap-port", port);
        o.put("listener.tls.enabled", true);
        o.put("listener.tls.certificate-file", leaf.certificatePem().toString());
        o.put("listener.tls.key-file", leaf.keyPem().toString());
        o.put("listener.tls.sni.enabled", true);
        o.put("listener.tls.sni.broker-host-pattern", PATTERN);
        o.put("listener.tls.sni.bootstrap-host", BOOTSTRAP);
        return RunningProxy.in(cluster, o);
    }

    /** The cluster's broker ids, lowest first: the source's virtual ids are the same (node-id-offset 0). */
    private static List<Integer> brokerIds(EmbeddedKafkaCluster cluster) throws Exception {
        try (Admin admin = Clients.admin(cluster.bootstrapServers())) {
            return admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).stream().map(Node::id).sorted().toList();
        }
    }

    /**
     * A TLS connection to the proxy asking for {@code serverName}. Each gets an SSLContext of its own:
     * the JDK keeps TLS sessions per host and port (here all 127.0.0.1 and the one port) and, resuming
     * one, asks for the server name of the session it resumes, whatever the socket was told. Kafka's
     * clients connect to each broker by its own name, so their sessions never mix so.
     */
    private static RawKafkaClient connect(String proxyAddress, String serverName) {
        try {
            return RawKafkaClient.connectTls(proxyAddress, trustingTheTestCa(), serverName);
        } catch (UncheckedIOException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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

    /** ListOffsets (latest) for partitions 0 and 1 of {@code topic}: each partition's error code as this connection's broker answers. */
    private static List<Short> latestOffsetErrors(RawKafkaClient c, String topic) {
        ListOffsetsRequestData.ListOffsetsTopic t = new ListOffsetsRequestData.ListOffsetsTopic().setName(topic);
        for (int p = 0; p < 2; p++) {
            t.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(p).setTimestamp(-1)
                .setCurrentLeaderEpoch(-1));
        }
        c.send(ApiKeys.LIST_OFFSETS, (short) 7, new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(t)));
        ListOffsetsResponseData r = c.receive(ApiKeys.LIST_OFFSETS, (short) 7).as(ListOffsetsResponseData.class);
        ListOffsetsResponseData.ListOffsetsTopicResponse answered = r.topics().get(0);
        short[] byPartition = new short[2];
        answered.partitions().forEach(p -> byPartition[p.partitionIndex()] = p.errorCode());
        return List.of(byPartition[0], byPartition[1]);
    }

    private static void apiVersionsAnswered(RawKafkaClient c) {
        c.send(ApiKeys.API_VERSIONS, (short) 3, new ApiVersionsRequestData().setClientSoftwareName("sni-test").setClientSoftwareVersion("1"));
        assertEquals(0, c.receive(ApiKeys.API_VERSIONS, (short) 3).as(ApiVersionsResponseData.class).errorCode());
    }

    private static void refused(String hostPort, String serverName) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> connect(hostPort, serverName).close(),
            "server name " + serverName + " is refused in the handshake");
        assertTrue(e.getCause() instanceof SSLHandshakeException && e.getCause().getMessage().contains("unrecognized_name"),
            "refused as a TLS server refuses a name it does not serve: " + e.getCause());
    }

    @Test
    void eachServerNameReachesItsBrokerAndOtherNamesAreRefusedWithOneLineEach(@Brokers(2) EmbeddedKafkaCluster cluster)
        throws Exception {
        List<Integer> ids = brokerIds(cluster);
        assertEquals(2, ids.size());
        String topic = Clients.unique("sni-raw");
        try (Admin direct = Clients.admin(cluster.bootstrapServers())) {
            direct.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(ids.get(0)), 1, List.of(ids.get(1))))))
                .all().get(30, TimeUnit.SECONDS);
        }
        int port = RunningProxy.nextPortRange();
        String proxyAddress = "127.0.0.1:" + port;
        try (RunningProxy proxy = sniProxy(cluster, port);
             LogCapture log = LogCapture.connections()) {
            assertEquals(BOOTSTRAP + ":" + port, proxy.bootstrapServers());

            // The bootstrap name: Metadata names each broker by its own name, on this one port.
            try (RawKafkaClient bootstrap = connect(proxyAddress, BOOTSTRAP)) {
                MetadataResponseData metadata = Await.until("both partitions have their leaders", DEADLINE, () -> {
                    bootstrap.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of(
                        new MetadataRequestData.MetadataRequestTopic().setName(topic))));
                    return bootstrap.receive(ApiKeys.METADATA, (short) 12).as(MetadataResponseData.class);
                }, m -> m.topics().find(topic) != null && m.topics().find(topic).partitions().size() == 2
                    && m.topics().find(topic).partitions().stream().allMatch(p -> p.leaderId() >= 0));
                assertEquals(2, metadata.brokers().size());
                for (int id : ids) {
                    MetadataResponseData.MetadataResponseBroker b = metadata.brokers().find(id);
                    assertEquals(broker(id), b.host(), "broker " + id + " is advertised by its name");
                    assertEquals(port, b.port(), "on the one port");
                }
                for (MetadataResponseData.MetadataResponsePartition p : metadata.topics().find(topic).partitions()) {
                    assertEquals((int) ids.get(p.partitionIndex()), p.leaderId(), "partition " + p.partitionIndex() + " is led by its own broker");
                }
            }
            for (int id : ids) {
                try (Socket s = new Socket()) {
                    int nodePort = proxy.server().nodes().byVirtualId(id).port();
                    assertThrows(ConnectException.class, () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", nodePort), 2_000),
                        "no broker port is bound under SNI (broker " + id + "'s would be " + nodePort + ")");
                }
            }

            // Each broker's name reaches that broker: it answers for the partition it leads, and
            // NOT_LEADER_OR_FOLLOWER for the other broker's.
            short none = Errors.NONE.code();
            short notLeader = Errors.NOT_LEADER_OR_FOLLOWER.code();
            try (RawKafkaClient first = connect(proxyAddress, broker(ids.get(0)));
                 RawKafkaClient second = connect(proxyAddress, broker(ids.get(1)))) {
                assertEquals(List.of(none, notLeader), latestOffsetErrors(first, topic), broker(ids.get(0)));
                assertEquals(List.of(notLeader, none), latestOffsetErrors(second, topic), broker(ids.get(1)));

                // Names the proxy does not serve, and no name at all, are refused in the handshake.
                refused(proxyAddress, "nobody.kafka.test");
                refused(proxyAddress, broker(77));
                refused(proxyAddress, null);
                Await.until("each refusal is logged", DEADLINE, () -> log.lines().size() >= 3);
                List<String> lines = log.lines();
                assertEquals(3, lines.size(), "one line per refused connection, nothing else: " + lines);
                assertTrue(lines.get(0).contains("TLS server name \"nobody.kafka.test\" is neither the bootstrap's (" + BOOTSTRAP
                    + ") nor a broker's (" + PATTERN + ")"), lines.get(0));
                assertTrue(lines.get(1).contains("TLS server name \"" + broker(77) + "\" names node 77, which is no broker the proxy knows"),
                    lines.get(1));
                assertTrue(lines.get(2).contains("it sent no TLS server name (SNI)"), lines.get(2));
                assertTrue(lines.stream().allMatch(l -> l.startsWith("WARN refusing connection from /127.0.0.1:")
                    && l.endsWith("(listener.tls.sni)")), lines.toString());
                assertEquals(3.0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_SERVER_NAME\""));

                // Connections already open carry on, and new ones are served.
                assertEquals(List.of(none, notLeader), latestOffsetErrors(first, topic), "the first broker's connection still works");
                assertEquals(List.of(notLeader, none), latestOffsetErrors(second, topic), "the second broker's connection still works");
                try (RawKafkaClient again = connect(proxyAddress, BOOTSTRAP)) {
                    apiVersionsAnswered(again);
                }
            }
        }
    }

    @Test
    void javaClientsProduceAndConsumeThroughTheOnePortOnPartitionsOfBothBrokers(@Brokers(2) EmbeddedKafkaCluster cluster)
        throws Exception {
        List<Integer> ids = brokerIds(cluster);
        String topic = Clients.unique("sni-clients");
        int records = 200;
        int port = RunningProxy.nextPortRange();
        try (RunningProxy proxy = sniProxy(cluster, port);
             LogCapture log = LogCapture.connections();
             NamedHostClients clients = NamedHostClients.start(dir, List.of(BOOTSTRAP, broker(ids.get(0)), broker(ids.get(1))),
                 proxy.bootstrapServers(), pki.caPem(), topic, ids, records)) {
            Duration wait = Duration.ofSeconds(120);
            for (int id : ids) {
                assertEquals("NODE " + id + " " + broker(id) + ":" + port, clients.line("NODE " + id + " ", wait),
                    "DescribeCluster names each broker by its name on the one port");
            }
            assertEquals("LEADER 0 " + broker(ids.get(0)) + ":" + port, clients.line("LEADER 0 ", wait));
            assertEquals("LEADER 1 " + broker(ids.get(1)) + ":" + port, clients.line("LEADER 1 ", wait));
            assertEquals("PRODUCED " + records, clients.line("PRODUCED", wait), "every partition's leader took its records");
            assertEquals("CONSUMED " + records, clients.line("CONSUMED", wait), "the group read every record back, each from its partition");
            clients.line("DONE", wait);

            // The records are on both brokers, as the cluster itself says.
            assertHalfOnEachBroker(cluster, topic, records, ids);
            assertEquals(0.0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_SERVER_NAME\""), "every name was served: "
                + log.lines());
        }
    }

    /**
     * kafkajs through the one port: it connects to each broker by the name the proxy advertises
     * (its socket factory reaches 127.0.0.1 with that name as the TLS server name and checks the
     * certificate against it, as it would over DNS), and produces to and reads from a partition on
     * each broker.
     *
     * <p>It once failed in 2 of 5 runs: the consumer read 0 or 100 of the 200 records, with nothing in
     * the proxy's log. A request that reached a connection before its broker connection was up was
     * dropped (under SNI that connection opens only once the ClientHello names the broker, and
     * kafkajs sends its JoinGroup or Fetch right after an ApiVersions the proxy answers itself); it is
     * now held until the connection is up ({@code ConnectionPairTest}). kafkajs logs at INFO into this
     * test's output, and the brokers' end offsets are checked before the client's verdict, so a
     * failure says which half of the round trip broke.
     */
    @Test
    void kafkajsReachesEachBrokerByItsNameThroughTheOnePort(@Brokers(2) EmbeddedKafkaCluster cluster) throws Exception {
        Path clients = Path.of("src/test/clients").toAbsolutePath();
        boolean present = Files.isDirectory(clients.resolve("node_modules/kafkajs"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("kafkajs is not installed; .ci/run should have installed it");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "kafkajs is not installed here (CI installs it)");
        List<Integer> ids = brokerIds(cluster);
        String topic = Clients.unique("sni-kafkajs");
        int records = 200;
        try (Admin direct = Clients.admin(cluster.bootstrapServers())) {
            direct.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(ids.get(0)), 1, List.of(ids.get(1))))))
                .all().get(30, TimeUnit.SECONDS);
            // kafkajs backs off for up to 30 s while the cluster creates its offsets topic: on a fresh
            // cluster that alone can use up the client's 60 s, so the group coordinator is made ready first.
            Await.until("the cluster's group coordinator answers", DEADLINE, () -> {
                try {
                    // A group's committed offsets: empty for a new group, once its coordinator is up.
                    direct.listConsumerGroupOffsets(topic).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                    return true;
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
        }
        int port = RunningProxy.nextPortRange();
        try (RunningProxy proxy = sniProxy(cluster, port);
             LogCapture log = LogCapture.connections()) {
            Process p = new ProcessBuilder("node", clients.resolve("kafkajs_sni.js").toString(), BOOTSTRAP + ":" + port,
                pki.caPem().toString(), topic, Integer.toString(records)).redirectErrorStream(true).start();
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the client finished");
            String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            System.out.println("SNI-kafkajs " + printed.trim());
            // First whether the records were written (on each broker), then whether they came back: a failure then
            // says which half of the round trip broke.
            assertHalfOnEachBroker(cluster, topic, records, ids, "; kafkajs printed: " + printed);
            assertEquals(0, p.exitValue(), printed);
            assertTrue(printed.contains("\"ok\":true"), printed);
            for (int id : ids) {
                assertTrue(printed.contains("CONNECTED " + broker(id) + ":" + port), "kafkajs asked for broker " + id + " by name: " + printed);
            }
            assertEquals(0.0, proxy.metric("cutover_proxy_errors_total", "code=\"UNKNOWN_SERVER_NAME\""), "every name was served: "
                + log.lines());
        }
    }

    /** Partition 0 (on the first broker) and partition 1 (on the second) each hold half the records, as the cluster itself says. */
    private static void assertHalfOnEachBroker(EmbeddedKafkaCluster cluster, String topic, int records, List<Integer> ids) throws Exception {
        assertHalfOnEachBroker(cluster, topic, records, ids, "");
    }

    private static void assertHalfOnEachBroker(EmbeddedKafkaCluster cluster, String topic, int records, List<Integer> ids, String context)
        throws Exception {
        try (Admin direct = Clients.admin(cluster.bootstrapServers())) {
            var ends = direct.listOffsets(Map.of(new TopicPartition(topic, 0), OffsetSpec.latest(), new TopicPartition(topic, 1),
                OffsetSpec.latest())).all().get(30, TimeUnit.SECONDS);
            assertEquals(records / 2, ends.get(new TopicPartition(topic, 0)).offset(), "partition 0, on broker " + ids.get(0) + context);
            assertEquals(records / 2, ends.get(new TopicPartition(topic, 1)).offset(), "partition 1, on broker " + ids.get(1) + context);
        }
    }
}
