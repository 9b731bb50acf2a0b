package io.cutover.proxy.core.capture;

import static io.cutover.proxy.core.capture.CaptureTestSupport.ends;
import static io.cutover.proxy.core.capture.CaptureTestSupport.frames;
import static io.cutover.proxy.core.capture.CaptureTestSupport.readAll;
import static io.cutover.proxy.core.capture.CaptureTestSupport.reader;
import static io.cutover.proxy.core.capture.KafkaTestFrames.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.capture.CaptureFiles.Captured;
import io.cutover.proxy.core.capture.CaptureFiles.Interface;
import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import io.cutover.proxy.core.capture.CapturedFrame.Direction;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The file formats, link types and IP versions the reader decodes. */
class CaptureReaderFormatsTest {
    private static final long T0 = 1_700_000_000_123_456L;

    /** A connection with a handshake, ApiVersions, a two-segment Metadata request and response, and a FIN. */
    private static List<SyntheticTcp.Packet> exchange(SyntheticTcp tcp, long t0) {
        List<SyntheticTcp.Packet> p = new ArrayList<>(tcp.handshake(t0));
        p.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(7), 1460, t0 + 100));
        p.addAll(tcp.send(false, KafkaTestFrames.apiVersionsResponse(7), 1460, t0 + 200));
        p.addAll(tcp.send(true, KafkaTestFrames.metadataRequest(8, 200), 1460, t0 + 300));
        p.addAll(tcp.send(false, KafkaTestFrames.metadataResponse(8, 20), 1460, t0 + 400));
        p.add(tcp.fin(true, t0 + 500));
        p.add(tcp.fin(false, t0 + 600));
        return p;
    }

    private static void assertExchange(List<CaptureEvent> events, String client, int clientPort, String server, int serverPort,
                                       long t0) {
        List<CapturedFrame> frames = frames(events);
        assertEquals(4, frames.size(), events.toString());
        List<byte[]> expected = List.of(KafkaTestFrames.apiVersionsRequest(7), KafkaTestFrames.apiVersionsResponse(7),
            KafkaTestFrames.metadataRequest(8, 200), KafkaTestFrames.metadataResponse(8, 20));
        for (int i = 0; i < 4; i++) {
            CapturedFrame f = frames.get(i);
            assertEquals(i % 2 == 0 ? Direction.REQUEST : Direction.RESPONSE, f.direction());
            assertEquals(t0 + 100 * (i + 1), f.timestampMicros(), "frame " + i);
            assertEquals(new InetSocketAddress(client, clientPort), f.client());
            assertEquals(new InetSocketAddress(server, serverPort), f.server());
            assertEquals(7 + i / 2, f.correlationId());
            assertEquals(i < 2 ? 18 : 3, f.apiKey());
            if (i < 2) {
                // metadata frames differ run to run only by topic ids; the ApiVersions ones are fixed
                assertArrayEquals(body(expected.get(i)), f.frame());
            } else {
                assertEquals(expected.get(i).length - 4, f.frame().length);
            }
        }
        assertEquals(List.of(Reason.CLIENT_CLOSED), ends(events).stream().map(CapturedConnectionEnd::reason).toList());
    }

    @ParameterizedTest(name = "{0}, nanoseconds {1}")
    @CsvSource({"BIG_ENDIAN,false", "LITTLE_ENDIAN,false", "BIG_ENDIAN,true", "LITTLE_ENDIAN,true"})
    void classicPcapWithEthernetAndVlan(String order, boolean nanos) throws IOException {
        SyntheticTcp tcp = new SyntheticTcp("192.168.1.10", 51000, "192.168.1.20", 9092);
        byte[] file = CaptureFiles.pcap(byteOrder(order), nanos, CaptureFiles.ETHERNET, exchange(tcp, T0));
        try (CaptureReader reader = reader(file, 9092)) {
            assertEquals(CaptureReader.Format.PCAP, reader.format());
            assertExchange(readAll(reader), "192.168.1.10", 51000, "192.168.1.20", 9092, T0);
            assertTrue(reader.stats().warnings().isEmpty(), reader.stats().toString());
            assertEquals(file.length, reader.stats().captureBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {CaptureFiles.NULL, CaptureFiles.LOOP, CaptureFiles.LINUX_SLL, CaptureFiles.LINUX_SLL2, CaptureFiles.RAW})
    void otherLinkTypes(int linkType) throws IOException {
        SyntheticTcp tcp = new SyntheticTcp("127.0.0.1", 51000, "127.0.0.1", 9092);
        byte[] file = CaptureFiles.pcap(ByteOrder.LITTLE_ENDIAN, false, linkType, exchange(tcp, T0));
        try (CaptureReader reader = reader(file, 9092)) {
            assertExchange(readAll(reader), "127.0.0.1", 51000, "127.0.0.1", 9092, T0);
        }
    }

    @Test
    void ipv6WithExtensionHeadersAndIpv4WithOptions() throws IOException {
        SyntheticTcp v6 = new SyntheticTcp("2001:db8::1", 51000, "2001:db8::2", 9093);
        v6.ipv6Extensions = true;
        SyntheticTcp v4 = new SyntheticTcp("10.1.1.1", 52000, "10.1.1.2", 9092);
        v4.ipv4OptionWords = 2;
        List<SyntheticTcp.Packet> packets = new ArrayList<>(exchange(v6, T0));
        packets.addAll(exchange(v4, T0 + 10_000));
        byte[] file = CaptureFiles.pcap(ByteOrder.BIG_ENDIAN, false, CaptureFiles.ETHERNET, packets);
        try (CaptureReader reader = reader(file, 9092, 9093)) {
            List<CaptureEvent> events = readAll(reader);
            List<CaptureEvent> first = events.stream().filter(e -> e.connectionId() == 0).toList();
            List<CaptureEvent> second = events.stream().filter(e -> e.connectionId() == 1).toList();
            assertExchange(first, "2001:db8::1", 51000, "2001:db8::2", 9093, T0);
            assertExchange(second, "10.1.1.1", 52000, "10.1.1.2", 9092, T0 + 10_000);
        }
    }

    @Test
    void pcapngWithTwoInterfacesOfTheirOwnLinkTypeAndResolution() throws IOException {
        SyntheticTcp a = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        SyntheticTcp b = new SyntheticTcp("10.0.0.3", 50002, "10.0.0.4", 9092);
        List<Captured> packets = new ArrayList<>();
        List<SyntheticTcp.Packet> pa = exchange(a, T0);
        List<SyntheticTcp.Packet> pb = exchange(b, T0 + 50);
        for (int i = 0; i < Math.max(pa.size(), pb.size()); i++) {
            if (i < pa.size()) {
                packets.add(new Captured(0, pa.get(i)));
            }
            if (i < pb.size()) {
                packets.add(new Captured(1, pb.get(i)));
            }
        }
        List<Interface> interfaces = List.of(new Interface(CaptureFiles.ETHERNET, (byte) 9),
            new Interface(CaptureFiles.LINUX_SLL2, (byte) 0x94)); // nanoseconds; 2^-20 seconds
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            byte[] file = CaptureFiles.pcapng(order, interfaces, packets);
            try (CaptureReader reader = reader(file, 9092)) {
                List<CaptureEvent> events = readAll(reader);
                assertExchange(events.stream().filter(e -> e.connectionId() == 0).toList(), "10.0.0.1", 50001, "10.0.0.2", 9092,
                    T0);
                List<CapturedFrame> second = frames(events.stream().filter(e -> e.connectionId() == 1).toList());
                assertEquals(4, second.size());
                for (int i = 0; i < 4; i++) {
                    // binary fractions of a second round down by up to a microsecond
                    long expected = T0 + 50 + 100 * (i + 1);
                    long actual = second.get(i).timestampMicros();
                    assertTrue(actual <= expected && actual >= expected - 1, actual + " vs " + expected);
                }
            }
        }
    }

    @Test
    void secondSectionResetsInterfacesAndByteOrder() throws IOException {
        SyntheticTcp a = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        SyntheticTcp b = new SyntheticTcp("10.0.0.3", 50002, "10.0.0.4", 9092);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(CaptureFiles.pcapng(ByteOrder.LITTLE_ENDIAN, List.of(new Interface(CaptureFiles.RAW, null)),
            exchange(a, T0).stream().map(p -> new Captured(0, p)).toList()));
        file.writeBytes(CaptureFiles.pcapng(ByteOrder.BIG_ENDIAN, List.of(new Interface(CaptureFiles.ETHERNET, (byte) 3)),
            exchange(b, T0 + 1000).stream().map(p -> new Captured(0, p)).toList()));
        try (CaptureReader reader = reader(file.toByteArray(), 9092)) {
            List<CaptureEvent> events = readAll(reader);
            assertExchange(events.stream().filter(e -> e.connectionId() == 0).toList(), "10.0.0.1", 50001, "10.0.0.2", 9092,
                T0);
            // milliseconds: timestamps come back truncated to the millisecond
            List<CapturedFrame> second = frames(events.stream().filter(e -> e.connectionId() == 1).toList());
            assertEquals(4, second.size());
            assertEquals((T0 + 1100) / 1000 * 1000, second.get(0).timestampMicros());
        }
    }

    @Test
    void otherTrafficIsSkippedAndFragmentsCounted() throws IOException {
        SyntheticTcp kafka = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        SyntheticTcp http = new SyntheticTcp("10.0.0.1", 50002, "10.0.0.3", 80);
        List<SyntheticTcp.Packet> packets = new ArrayList<>(http.handshake(T0));
        packets.addAll(http.send(true, new byte[300], 1460, T0));
        packets.addAll(exchange(kafka, T0));
        byte[] udp = kafka.segment(true, 0, 0, new byte[8], T0).ip().clone();
        udp[9] = 17; // protocol UDP
        packets.add(new SyntheticTcp.Packet(T0 + 700, udp));
        byte[] fragment = kafka.segment(true, 0, 0, new byte[8], T0).ip().clone();
        fragment[6] = 0x20; // more fragments
        packets.add(new SyntheticTcp.Packet(T0 + 700, fragment));
        byte[] file = CaptureFiles.pcap(ByteOrder.LITTLE_ENDIAN, false, CaptureFiles.ETHERNET, packets);
        try (CaptureReader reader = reader(file, 9092)) {
            List<CaptureEvent> events = readAll(reader);
            assertEquals(4, frames(events).size());
            CaptureStats stats = reader.stats();
            assertEquals(packets.size(), stats.packetsRead());
            assertEquals(4 + 2, stats.packetsSkipped()); // the HTTP connection, UDP, the fragment
            assertEquals(1, stats.warnings(CaptureWarning.IP_FRAGMENT));
        }
    }

    private static ByteOrder byteOrder(String name) {
        return name.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }
}
