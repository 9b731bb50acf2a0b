package io.cutover.proxy.core.capture;

import static io.cutover.proxy.core.capture.CaptureTestSupport.ends;
import static io.cutover.proxy.core.capture.CaptureTestSupport.frames;
import static io.cutover.proxy.core.capture.CaptureTestSupport.readAll;
import static io.cutover.proxy.core.capture.CaptureTestSupport.reader;
import static io.cutover.proxy.core.capture.KafkaTestFrames.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import io.cutover.proxy.core.capture.CapturedFrame.Direction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Captures written by {@link PcapngWriter} read back frame for frame. */
class CaptureReaderRoundTripTest {
    private static final long T0 = 1_700_000_000_000_000L;
    private static final InetSocketAddress PROXY = new InetSocketAddress("10.0.0.1", 19092);

    /** What the writer was given, to compare with what the reader returns. */
    private record Sent(long connection, boolean fromClient, long micros, byte[] frame) {
    }

    @Test
    void interleavedConnectionsComeBackFrameForFrame(@TempDir Path dir) throws IOException {
        InetSocketAddress[] clients = {
            new InetSocketAddress("10.0.0.7", 40001), new InetSocketAddress("10.0.0.8", 40002),
            new InetSocketAddress("10.0.0.9", 40003)};
        List<Sent> sent = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(out)) {
            long t = T0;
            int correlationId = 0;
            // Three connections taking turns, each with ApiVersions then a Metadata exchange whose
            // response (hundreds of KB) spans several writer segments.
            for (int round = 0; round < 2; round++) {
                for (int c = 0; c < 3; c++) {
                    byte[] request = round == 0 ? KafkaTestFrames.apiVersionsRequest(correlationId)
                        : KafkaTestFrames.metadataRequest(correlationId, 3);
                    byte[] response = round == 0 ? KafkaTestFrames.apiVersionsResponse(correlationId)
                        : KafkaTestFrames.metadataResponse(correlationId, 600 * (c + 1));
                    write(writer, sent, c, clients[c], true, t += 10, request);
                    write(writer, sent, c, clients[c], false, t += 10, response);
                    correlationId++;
                }
            }
            writer.closed(0, true, t += 10);
            writer.closed(1, false, t += 10);
            // connection 2 is still open when the capture ends
        }
        assertTrue(sent.get(sent.size() - 1).frame().length > 3 * 65_000, "a response must span several segments");
        Path file = dir.resolve("proxy.pcapng");
        Files.write(file, out.toByteArray());

        List<CaptureEvent> events;
        CaptureReader reader = CaptureReader.open(file, Set.of(PcapngWriter.KAFKA_PORT));
        try (reader) {
            assertEquals(CaptureReader.Format.PCAPNG, reader.format());
            events = readAll(reader);
            assertNull(reader.next());
        }
        List<CapturedFrame> frames = frames(events);
        assertEquals(sent.size(), frames.size());
        for (int i = 0; i < sent.size(); i++) {
            Sent s = sent.get(i);
            CapturedFrame f = frames.get(i);
            assertEquals(s.connection(), f.connectionId(), "frame " + i);
            assertEquals(s.fromClient() ? Direction.REQUEST : Direction.RESPONSE, f.direction(), "frame " + i);
            assertEquals(s.micros(), f.timestampMicros(), "frame " + i);
            assertArrayEquals(body(s.frame()), f.frame(), "frame " + i);
            assertEquals(clients[(int) s.connection()], f.client());
            assertEquals(new InetSocketAddress(PROXY.getAddress(), PcapngWriter.KAFKA_PORT), f.server());
            short expectedKey = i / 6 == 0 ? ApiKeys.API_VERSIONS.id : ApiKeys.METADATA.id;
            assertEquals(expectedKey, f.apiKey(), "frame " + i);
            assertEquals(i / 6 == 0 ? KafkaTestFrames.API_VERSIONS_VERSION : KafkaTestFrames.METADATA_VERSION, f.apiVersion());
            assertEquals(i / 2, f.correlationId(), "frame " + i);
        }

        List<CapturedConnectionEnd> ends = ends(events);
        assertEquals(List.of(Reason.CLIENT_CLOSED, Reason.SERVER_CLOSED, Reason.END_OF_CAPTURE),
            ends.stream().map(CapturedConnectionEnd::reason).toList());
        assertEquals(List.of(0, 1, 2), ends.stream().map(CapturedConnectionEnd::connectionId).toList());
        for (CapturedConnectionEnd end : ends) {
            int at = events.indexOf(end);
            assertTrue(events.subList(at + 1, events.size()).stream().noneMatch(e -> e.connectionId() == end.connectionId()),
                "nothing of connection " + end.connectionId() + " after its end");
        }

        List<CapturedConnection> connections = reader.connections();
        assertEquals(3, connections.size());
        for (CapturedConnection c : connections) {
            assertTrue(c.handshakeCaptured());
            assertEquals(2, c.requests());
            assertEquals(2, c.responses());
        }
        CaptureStats stats = reader.stats();
        assertEquals(Files.size(file), stats.captureBytes());
        assertEquals(12, stats.requests() + stats.responses());
        assertEquals(0, stats.packetsSkipped());
        assertTrue(stats.warnings().isEmpty(), stats.toString());
    }

    @Test
    void aClientReconnectingFromTheSamePortIsANewConnection() throws IOException {
        InetSocketAddress client = new InetSocketAddress("10.0.0.7", 40001);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(out)) {
            for (long connection = 0; connection < 3; connection++) {
                byte[] request = KafkaTestFrames.apiVersionsRequest((int) connection);
                writer.frame(connection, client, PROXY, true, T0 + connection * 100, request, 0, request.length);
                byte[] response = KafkaTestFrames.apiVersionsResponse((int) connection);
                writer.frame(connection, client, PROXY, false, T0 + connection * 100 + 1, response, 0, response.length);
                writer.closed(connection, true, T0 + connection * 100 + 2);
            }
        }
        try (CaptureReader reader = reader(out.toByteArray(), PcapngWriter.KAFKA_PORT)) {
            List<CaptureEvent> events = readAll(reader);
            assertEquals(List.of(0, 0, 1, 1, 2, 2), frames(events).stream().map(CapturedFrame::connectionId).toList());
            assertEquals(List.of(0, 1, 2), frames(events).stream().map(CapturedFrame::correlationId).distinct().toList());
            assertEquals(3, ends(events).size());
            assertEquals(3, reader.connections().size());
        }
    }

    @Test
    void theLoginOfEachConnectionComesBackAsItsPrincipalAndLeavesItsFramesAsTheyWere() throws IOException {
        InetSocketAddress alice = new InetSocketAddress("10.0.0.7", 40001);
        InetSocketAddress bob = new InetSocketAddress("10.0.0.8", 40002);
        InetSocketAddress anonymous = new InetSocketAddress("10.0.0.9", 40003);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapngWriter writer = new PcapngWriter(out)) {
            long t = T0;
            // alice's conversation starts before her login, as a SASL client's does (ApiVersions, then the login) ...
            byte[] before = KafkaTestFrames.apiVersionsRequest(0);
            writer.frame(0, alice, PROXY, true, t += 10, before, 0, before.length);
            writer.loggedIn(0, alice, PROXY, t += 10, "alice");
            // ... bob's login is the first thing of his the capture holds (it started after he logged in), with a
            // principal holding spaces and a comma, as a certificate's subject may.
            writer.loggedIn(1, bob, PROXY, t += 10, "CN=bob, O=Example Corp");
            for (int c = 0; c < 3; c++) {
                byte[] request = KafkaTestFrames.metadataRequest(c + 1, 1);
                writer.frame(c, c == 0 ? alice : c == 1 ? bob : anonymous, PROXY, true, t += 10, request, 0, request.length);
            }
        }
        try (CaptureReader reader = reader(out.toByteArray(), PcapngWriter.KAFKA_PORT)) {
            List<CaptureEvent> events = readAll(reader);
            assertEquals(List.of(0, 0, 1, 2), frames(events).stream().map(CapturedFrame::connectionId).toList());
            assertEquals(List.of(0, 1, 2, 3), frames(events).stream().map(CapturedFrame::correlationId).toList());
            assertEquals("alice", reader.principal(0));
            assertEquals("CN=bob, O=Example Corp", reader.principal(1));
            assertNull(reader.principal(2), "a connection that did not log in has no principal");
            assertTrue(reader.stats().warnings().isEmpty(), reader.stats().toString());
        }
    }

    @Test
    void emptyCaptureHasNoEvents() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new PcapngWriter(out).close();
        try (CaptureReader reader = reader(out.toByteArray(), 9092)) {
            assertNull(reader.next());
            assertTrue(reader.connections().isEmpty());
        }
    }

    private static void write(PcapngWriter writer, List<Sent> sent, long connection, InetSocketAddress client,
                              boolean fromClient, long micros, byte[] frame) throws IOException {
        writer.frame(connection, client, PROXY, fromClient, micros, frame, 0, frame.length);
        sent.add(new Sent(connection, fromClient, micros, frame));
    }
}
