package io.cutover.proxy.server.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.server.embedded.EmbeddedKafkaCluster;
import io.cutover.proxy.server.testkit.Await;
import io.cutover.proxy.server.testkit.Clients;
import io.cutover.proxy.server.testkit.KafkaClusterExtension;
import io.cutover.proxy.server.testkit.LogCapture;
import io.cutover.proxy.server.testkit.RawKafkaClient;
import io.cutover.proxy.server.testkit.RunningProxy;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bad input gets one clear log line and closes only the connection it came on: the proxy keeps
 * serving a bystander connection that was open all along, and new clients.
 */
@ExtendWith(KafkaClusterExtension.class)
class BadInputTest {
    private static final int MAX_REQUEST = 64 * 1024;
    private static RunningProxy proxy;
    private static EmbeddedKafkaCluster cluster;
    private RawKafkaClient bystander;
    private LogCapture log;

    @BeforeAll
    static void startProxy(EmbeddedKafkaCluster c) {
        cluster = c;
        proxy = RunningProxy.in(c, Map.of("limits.max-request-frame-bytes", MAX_REQUEST));
    }

    @AfterAll
    static void stopProxy() {
        proxy.close();
    }

    @BeforeEach
    void openBystander() {
        bystander = RawKafkaClient.connect(proxy.bootstrapServers());
        assertServes(bystander);
        log = LogCapture.connections();
    }

    @AfterEach
    void bystanderStillServed() {
        assertServes(bystander);
        bystander.close();
        try (Admin admin = Clients.admin(proxy.bootstrapServers())) {
            assertTrue(admin.describeCluster().nodes().get().size() > 0, "a new client is served");
        } catch (Exception e) {
            throw new AssertionError("a new client could not use the proxy", e);
        } finally {
            log.close();
        }
    }

    private static void assertServes(RawKafkaClient client) {
        short v = 3;
        client.send(ApiKeys.API_VERSIONS, v, new ApiVersionsRequestData().setClientSoftwareName("bystander").setClientSoftwareVersion("1"));
        assertEquals(Errors.NONE.code(), client.receive(ApiKeys.API_VERSIONS, v).as(ApiVersionsResponseData.class).errorCode());
    }

    private void assertClosedWithLog(RawKafkaClient client, String errorCode, String... fragments) {
        assertTrue(client.closedByPeer(), "the proxy closed the offending connection");
        Await.until("one log line naming the problem " + List.of(fragments), Duration.ofSeconds(10), () -> log.contains(fragments));
        assertEquals(1, log.lines().stream().filter(l -> java.util.Arrays.stream(fragments).allMatch(l::contains)).count(),
            "exactly one line: " + log.lines());
        Await.until("errors metric counts " + errorCode, Duration.ofSeconds(10),
            () -> proxy.metric("cutover_proxy_errors_total", "code=\"" + errorCode + "\"", "origin=\"proxy\"") >= 1);
    }

    private static byte[] frame(int size, byte[] body) {
        return ByteBuffer.allocate(4 + body.length).putInt(size).put(body).array();
    }

    @Test
    void frameOverTheLimit() {
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(MAX_REQUEST + 1, new byte[100]));
            assertClosedWithLog(client, "FRAME_TOO_LARGE", "over the limit of " + MAX_REQUEST);
        }
    }

    @Test
    void negativeFrameSize() {
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(-5, new byte[16]));
            assertClosedWithLog(client, "MALFORMED_FRAME", "below the smallest possible request header");
        }
    }

    @Test
    void headerThatRunsPastItsFrame() {
        // Metadata v9 (header v2), clientId length 5000 in a 20-byte frame.
        ByteBuffer body = ByteBuffer.allocate(20).putShort(ApiKeys.METADATA.id).putShort((short) 9).putInt(7).putShort((short) 5000);
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(20, body.array()));
            assertClosedWithLog(client, "MALFORMED_FRAME", "malformed Metadata request header");
        }
    }

    @Test
    void taggedFieldSizeNear2To31() {
        // Produce v9 (header v2) whose header claims a tagged field of 2^31 - 1 bytes: "pos + size"
        // overflowed, the check passed, and the forwarder's acks read threw IndexOutOfBoundsException,
        // which left the frame unreleased.
        ByteBuffer body = ByteBuffer.allocate(40).putShort(ApiKeys.PRODUCE.id).putShort((short) 9).putInt(7).putShort((short) -1)
            .put((byte) 1).put((byte) 0).put(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07});
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(40, body.array()));
            assertClosedWithLog(client, "MALFORMED_FRAME", "malformed Produce request header", "tagged field 0 of 2147483647 bytes");
        }
    }

    @Test
    void unknownApiKey() {
        ByteBuffer body = ByteBuffer.allocate(12).putShort((short) 999).putShort((short) 0).putInt(7).putShort((short) -1);
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(12, body.array()));
            assertClosedWithLog(client, "UNKNOWN_API_KEY", "unknown or unsupported API key 999");
        }
    }

    @Test
    void controllerOnlyApiKey() {
        // Vote (52) is spoken between controllers, never by clients.
        ByteBuffer body = ByteBuffer.allocate(12).putShort(ApiKeys.VOTE.id).putShort((short) 0).putInt(7).putShort((short) -1);
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.sendBytes(frame(12, body.array()));
            assertClosedWithLog(client, "UNKNOWN_API_KEY", "unknown or unsupported API key " + ApiKeys.VOTE.id);
        }
    }

    @Test
    void versionTheProxyDoesNotAccept() {
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            ByteBuffer body = ByteBuffer.allocate(12).putShort(ApiKeys.METADATA.id).putShort((short) 99).putInt(7).putShort((short) -1);
            client.sendBytes(frame(12, body.array()));
            assertClosedWithLog(client, "UNSUPPORTED_VERSION", "Metadata v99 is outside the versions the proxy accepts");
        }
    }

    @Test
    void clientDisconnectsMidRequest() {
        double upstreamBefore = proxy.metric("cutover_proxy_upstream_connections_active");
        RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers());
        assertServes(client);
        Await.until("the client's upstream connection is open", Duration.ofSeconds(10),
            () -> proxy.metric("cutover_proxy_upstream_connections_active") >= upstreamBefore + 1);
        // Half of a 100-byte Metadata request, then gone.
        ByteBuffer partial = ByteBuffer.allocate(54).putInt(100).putShort(ApiKeys.METADATA.id).putShort((short) 12).putInt(9);
        client.sendBytes(partial.array());
        client.close();
        Await.until("a log line about the half-sent request", Duration.ofSeconds(10),
            () -> log.contains("disconnected in the middle of a request"));
        Await.until("the paired upstream connection is closed too", Duration.ofSeconds(10),
            () -> proxy.metric("cutover_proxy_upstream_connections_active") <= upstreamBefore);
        assertTrue(proxy.metric("cutover_proxy_errors_total", "code=\"CLIENT_DISCONNECTED_MID_REQUEST\"") >= 1);
    }

    @Test
    void upstreamClosingClosesTheClient() {
        // A DescribeGroups request whose body is garbage passes the proxy's header checks (the body
        // is forwarded as bytes) and makes the broker close its connection; the proxy closes the client.
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            assertServes(client);
            ByteBuffer body = ByteBuffer.allocate(30).putShort(ApiKeys.DESCRIBE_GROUPS.id).putShort((short) 4).putInt(11).putShort((short) -1)
                .putInt(Integer.MAX_VALUE).putInt(-7).putInt(-7).putInt(-7).putShort((short) 1);
            client.sendBytes(frame(30, body.array()));
            assertClosedWithLog(client, "UPSTREAM_FAILURE", "closed its connection with 1 requests unanswered");
        }
    }

    @Test
    void upstreamThatRefusesConnections() throws IOException {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        // One proxy whose only bootstrap server refuses, one whose first does.
        try (RunningProxy dead = RunningProxy.in("127.0.0.1:" + deadPort, Map.of("discovery.interval", "500ms", "discovery.startup-wait", "1s"));
             RunningProxy fallback = RunningProxy.in("127.0.0.1:" + deadPort + "," + cluster.bootstrapServers(), Map.of())) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try (RawKafkaClient client = RawKafkaClient.connect(dead.bootstrapServers())) {
                    assertTrue(client.closedByPeer(), "the client connection is closed, attempt " + attempt);
                }
            }
            Await.until("a log line names the unreachable upstream", Duration.ofSeconds(10),
                () -> log.contains("cannot reach bootstrap servers of source", "127.0.0.1:" + deadPort));
            assertEquals(503, dead.get("/health").statusCode(), "health reports the cluster unreachable");
            assertTrue(dead.get("/health").body().contains("\"reachable\" : false"));
            assertTrue(dead.metric("cutover_proxy_errors_total", "code=\"UPSTREAM_UNREACHABLE\"") >= 2);

            // A dead first bootstrap server costs a retry, not the connection.
            for (int i = 0; i < 4; i++) {
                try (RawKafkaClient client = RawKafkaClient.connect(fallback.bootstrapServers())) {
                    assertServes(client);
                }
            }
            assertEquals(200, fallback.get("/health").statusCode());
        }
    }

    @Test
    void metadataRequestStillWorksOnTheSameProxyAfterAllThat() {
        try (RawKafkaClient client = RawKafkaClient.connect(proxy.bootstrapServers())) {
            client.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(null));
            assertTrue(client.receive(ApiKeys.METADATA, (short) 12).body() != null);
        }
    }
}
