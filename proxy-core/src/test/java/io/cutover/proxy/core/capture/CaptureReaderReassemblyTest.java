package io.cutover.proxy.core.capture;

import static io.cutover.proxy.core.capture.CaptureTestSupport.ends;
import static io.cutover.proxy.core.capture.CaptureTestSupport.frames;
import static io.cutover.proxy.core.capture.CaptureTestSupport.readAll;
import static io.cutover.proxy.core.capture.CaptureTestSupport.reader;
import static io.cutover.proxy.core.capture.KafkaTestFrames.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import io.cutover.proxy.core.capture.CapturedFrame.Direction;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.junit.jupiter.api.Test;

/** TCP as captures really show it: retransmitted, reordered, lost, and caught mid-connection. */
class CaptureReaderReassemblyTest {
    private static final long T0 = 1_700_000_000_000_000L;

    private final SyntheticTcp tcp = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);

    private static byte[] file(List<SyntheticTcp.Packet> packets) {
        return CaptureFiles.pcap(ByteOrder.LITTLE_ENDIAN, false, CaptureFiles.RAW, packets);
    }

    private static List<CaptureEvent> read(List<SyntheticTcp.Packet> packets, CaptureStats[] stats) throws IOException {
        try (CaptureReader reader = reader(file(packets), 9092)) {
            List<CaptureEvent> events = readAll(reader);
            stats[0] = reader.stats();
            return events;
        }
    }

    @Test
    void retransmittedAndOverlappingSegmentsAreFramedOnce() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        byte[] request = KafkaTestFrames.metadataRequest(1, 300);
        long start = tcp.clientSeq;
        List<SyntheticTcp.Packet> segments = tcp.send(true, request, 1000, T0 + 10);
        p.add(segments.get(0));
        p.add(segments.get(1));
        p.add(segments.get(0)); // plain retransmission
        // a retransmission that repackages: bytes 500..1700, half old, half new
        p.add(tcp.segment(true, start + 500, SyntheticTcp.ACK, Arrays.copyOfRange(request, 500, 2500), T0 + 20));
        p.addAll(segments.subList(2, segments.size()));
        p.add(segments.get(segments.size() - 1));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(1), 1000, T0 + 30));
        CaptureStats[] stats = new CaptureStats[1];
        List<CapturedFrame> frames = frames(read(p, stats));
        assertEquals(2, frames.size());
        assertArrayEquals(body(request), frames.get(0).frame());
        assertEquals(3, frames.get(0).apiKey());
        assertEquals(Direction.RESPONSE, frames.get(1).direction());
        assertEquals(3, frames.get(1).apiKey(), "labelled with its request's api key");
        assertEquals(2, stats[0].retransmittedSegments(), "the repackaged one carried new bytes too");
        assertTrue(stats[0].warnings().isEmpty(), stats[0].toString());
    }

    @Test
    void outOfOrderSegmentsWaitForTheHole() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        byte[] first = KafkaTestFrames.metadataRequest(1, 100);
        byte[] second = KafkaTestFrames.apiVersionsRequest(2);
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        List<SyntheticTcp.Packet> segments = new ArrayList<>(tcp.send(true, both, 300, T0 + 10));
        Collections.reverse(segments);
        for (int i = 0; i < segments.size(); i++) {
            SyntheticTcp.Packet s = segments.get(i);
            p.add(new SyntheticTcp.Packet(T0 + 100 + i, s.ip()));
        }
        CaptureStats[] stats = new CaptureStats[1];
        List<CapturedFrame> frames = frames(read(p, stats));
        assertEquals(2, frames.size());
        assertArrayEquals(body(first), frames.get(0).frame());
        assertArrayEquals(body(second), frames.get(1).frame());
        // both complete with the last packet, which filled the hole at the start
        assertEquals(T0 + 100 + segments.size() - 1, frames.get(0).timestampMicros());
        assertEquals(segments.size() - 1, stats[0].outOfOrderSegments());
    }

    @Test
    void sequenceNumbersWrapAround() throws IOException {
        SyntheticTcp wrapping = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092, 0xFFFFFF00L, 0xFFFFFFF0L);
        List<SyntheticTcp.Packet> p = new ArrayList<>(wrapping.handshake(T0));
        byte[] request = KafkaTestFrames.metadataRequest(1, 100);
        p.addAll(wrapping.send(true, request, 100, T0 + 10));
        p.addAll(wrapping.send(false, KafkaTestFrames.apiVersionsResponse(1), 100, T0 + 20));
        CaptureStats[] stats = new CaptureStats[1];
        List<CapturedFrame> frames = frames(read(p, stats));
        assertEquals(2, frames.size());
        assertArrayEquals(body(request), frames.get(0).frame());
    }

    @Test
    void captureStartingMidConnectionSyncsToTheFirstPlausibleFrames() throws IOException {
        // Before the capture: a produce request and part of the response to an earlier request.
        tcp.handshake(T0);
        byte[] earlierRequest = KafkaTestFrames.request(ApiKeys.PRODUCE, (short) 9, 40,
            new ProduceRequestData().setAcks((short) 1).setTimeoutMs(30_000));
        byte[] earlierResponse = KafkaTestFrames.metadataResponse(39, 10);
        tcp.send(true, Arrays.copyOf(earlierRequest, 30), 1000, T0);
        tcp.send(false, Arrays.copyOf(earlierResponse, 100), 1000, T0);
        List<SyntheticTcp.Packet> p = new ArrayList<>();
        // The capture starts: the tails of both, then whole exchanges.
        p.addAll(tcp.send(true, Arrays.copyOfRange(earlierRequest, 30, earlierRequest.length), 1000, T0 + 10));
        p.addAll(tcp.send(false, Arrays.copyOfRange(earlierResponse, 100, earlierResponse.length), 1000, T0 + 20));
        byte[] metadata = KafkaTestFrames.metadataRequest(41, 5);
        byte[] apiVersions = KafkaTestFrames.apiVersionsRequest(42);
        p.addAll(tcp.send(true, metadata, 1000, T0 + 30));
        p.addAll(tcp.send(true, apiVersions, 1000, T0 + 31));
        p.addAll(tcp.send(false, KafkaTestFrames.metadataResponse(41, 3), 1000, T0 + 40));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(42), 1000, T0 + 50));
        p.add(tcp.fin(false, T0 + 60));
        CaptureStats[] stats = new CaptureStats[1];
        try (CaptureReader reader = reader(file(p), 9092)) {
            List<CaptureEvent> events = readAll(reader);
            List<CapturedFrame> frames = frames(events);
            assertEquals(List.of(41, 42, 41, 42), frames.stream().map(CapturedFrame::correlationId).toList());
            assertEquals(List.of(Direction.REQUEST, Direction.REQUEST, Direction.RESPONSE, Direction.RESPONSE),
                frames.stream().map(CapturedFrame::direction).toList());
            assertArrayEquals(body(metadata), frames.get(0).frame());
            assertEquals(ApiKeys.API_VERSIONS.id, frames.get(3).apiKey());
            assertEquals(Reason.SERVER_CLOSED, ends(events).get(0).reason());
            assertFalse(reader.connections().get(0).handshakeCaptured());
            assertEquals(2, reader.stats().warnings(CaptureWarning.MID_STREAM_START));
            assertEquals(earlierRequest.length - 30 + earlierResponse.length - 100, reader.stats().droppedBytes());
        }
    }

    @Test
    void midConnectionResponsesSyncPastRequestsThatGetNoResponse() throws IOException {
        tcp.handshake(T0);
        List<SyntheticTcp.Packet> p = new ArrayList<>();
        // acks=0 produce: no response will carry correlation id 10
        p.addAll(tcp.send(true, KafkaTestFrames.request(ApiKeys.PRODUCE, (short) 9, 10,
            new ProduceRequestData().setAcks((short) 0).setTimeoutMs(1000)), 1000, T0 + 10));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(11), 1000, T0 + 11));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(11), 1000, T0 + 20));
        CaptureStats[] stats = new CaptureStats[1];
        List<CapturedFrame> frames = frames(read(p, stats));
        assertEquals(List.of(10, 11, 11), frames.stream().map(CapturedFrame::correlationId).toList());
        assertEquals(0, stats[0].warnings(CaptureWarning.MID_STREAM_START), "synced at the very first byte");
    }

    @Test
    void aLostSegmentEndsItsDirectionOnly() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 10));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(1), 1000, T0 + 20));
        List<SyntheticTcp.Packet> lost = tcp.send(true, KafkaTestFrames.metadataRequest(2, 200), 1000, T0 + 30);
        p.addAll(lost.subList(0, 1));
        p.addAll(lost.subList(2, lost.size())); // segment 1 never captured
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(3), 1000, T0 + 40));
        p.addAll(tcp.send(false, KafkaTestFrames.metadataResponse(2, 5), 1000, T0 + 50));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(3), 1000, T0 + 60));
        p.add(tcp.fin(true, T0 + 70));
        CaptureStats[] stats = new CaptureStats[1];
        List<CaptureEvent> events = read(p, stats);
        List<CapturedFrame> frames = frames(events);
        assertEquals(List.of(Direction.REQUEST, Direction.RESPONSE, Direction.RESPONSE, Direction.RESPONSE),
            frames.stream().map(CapturedFrame::direction).toList());
        assertEquals(List.of(1, 1, 2, 3), frames.stream().map(CapturedFrame::correlationId).toList());
        assertEquals(-1, frames.get(2).apiKey(), "its request was lost");
        assertEquals(1, stats[0].warnings(CaptureWarning.TCP_GAP));
        assertEquals(List.of(Reason.CLIENT_CLOSED), ends(events).stream().map(CapturedConnectionEnd::reason).toList());
    }

    @Test
    void aGapThatOutgrowsTheHoldBackBoundEndsTheDirectionEarly() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        byte[] big = new byte[TcpStreamReassembler.MAX_PENDING_BYTES + 200_000];
        java.nio.ByteBuffer.wrap(big).putInt(big.length - 4).putShort((short) 0).putShort((short) 9).putInt(5);
        List<SyntheticTcp.Packet> segments = tcp.send(true, big, 60_000, T0 + 10);
        p.addAll(segments.subList(1, segments.size()));
        CaptureStats[] stats = new CaptureStats[1];
        List<CaptureEvent> events = read(p, stats);
        assertTrue(frames(events).isEmpty());
        assertEquals(1, stats[0].warnings(CaptureWarning.TCP_GAP));
        assertEquals(Reason.END_OF_CAPTURE, ends(events).get(0).reason());
    }

    @Test
    void aPacketCutBySnapshotLengthEndsTheDirection() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 10));
        p.addAll(tcp.send(true, KafkaTestFrames.metadataRequest(2, 100), 1000, T0 + 20));
        byte[] file = file(p);
        // cut the last packet record to 100 captured bytes of its original length
        int last = file.length - p.get(p.size() - 1).ip().length - 16;
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(file, last, 16).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(last + 8, 100);
        byte[] cut = Arrays.copyOf(file, last + 16 + 100);
        try (CaptureReader reader = reader(cut, 9092)) {
            List<CapturedFrame> frames = frames(readAll(reader));
            assertEquals(List.of(1), frames.stream().map(CapturedFrame::correlationId).toList());
            assertEquals(1, reader.stats().warnings(CaptureWarning.SNAPLEN_TRUNCATED));
        }
    }

    @Test
    void resetEndsTheConnection() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        byte[] request = KafkaTestFrames.metadataRequest(1, 100);
        p.addAll(tcp.send(true, Arrays.copyOf(request, 500), 1000, T0 + 10));
        p.add(tcp.rst(false, T0 + 20));
        p.addAll(tcp.send(true, Arrays.copyOfRange(request, 500, request.length), 1000, T0 + 30));
        CaptureStats[] stats = new CaptureStats[1];
        List<CaptureEvent> events = read(p, stats);
        assertTrue(frames(events).isEmpty());
        assertEquals(List.of(Reason.RESET), ends(events).stream().map(CapturedConnectionEnd::reason).toList());
        assertEquals(1, stats[0].warnings(CaptureWarning.INCOMPLETE_FRAME));
    }

    @Test
    void aNewSynOnTheSamePortsStartsANewConnection() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 10));
        p.add(tcp.fin(true, T0 + 20));
        p.add(tcp.fin(false, T0 + 21));
        p.add(tcp.segment(true, tcp.clientSeq, SyntheticTcp.ACK, new byte[0], T0 + 22));
        SyntheticTcp again = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092, 777_777, 888_888);
        p.addAll(again.handshake(T0 + 30));
        p.addAll(again.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 40));
        CaptureStats[] stats = new CaptureStats[1];
        List<CaptureEvent> events = read(p, stats);
        assertEquals(List.of(0, 1), frames(events).stream().map(CapturedFrame::connectionId).toList());
        assertEquals(List.of(Reason.CLIENT_CLOSED, Reason.END_OF_CAPTURE),
            ends(events).stream().map(CapturedConnectionEnd::reason).toList());
    }

    @Test
    void responsesAfterTheClientsFinStillComeAndTheConnectionIsLaterForgotten() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 10));
        p.add(tcp.fin(true, T0 + 20));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(1), 1000, T0 + 30));
        p.add(tcp.fin(false, T0 + 40));
        SyntheticTcp later = new SyntheticTcp("10.0.0.5", 50005, "10.0.0.2", 9092);
        p.addAll(later.handshake(T0 + 600_000_000L));
        p.addAll(later.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 600_000_010L));
        try (CaptureReader reader = reader(file(p), 9092)) {
            List<CaptureEvent> events = readAll(reader);
            assertTrue(events.get(1) instanceof CapturedConnectionEnd end && end.reason() == Reason.CLIENT_CLOSED, events.toString());
            assertTrue(events.get(2) instanceof CapturedFrame f && f.direction() == Direction.RESPONSE, events.toString());
            List<CapturedConnection> connections = reader.connections();
            assertEquals(List.of(0, 1), connections.stream().map(CapturedConnection::connectionId).toList());
            assertEquals(Reason.CLIENT_CLOSED, connections.get(0).endReason());
            assertEquals(1, connections.get(0).responses());
            assertTrue(reader.stats().warnings().isEmpty(), reader.stats().toString());
        }
    }

    @Test
    void aConnectionThatIsNotKafkaIsCountedAndLeftAlone() throws IOException {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(T0));
        byte[] tlsClientHello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
        p.addAll(tcp.send(true, tlsClientHello, 1000, T0 + 10));
        CaptureStats[] stats = new CaptureStats[1];
        List<CaptureEvent> events = read(p, stats);
        assertTrue(frames(events).isEmpty());
        assertEquals(1, stats[0].warnings(CaptureWarning.NOT_KAFKA));
    }
}
