package io.cutover.proxy.core.capture;

import static io.cutover.proxy.core.capture.CaptureTestSupport.frames;
import static io.cutover.proxy.core.capture.CaptureTestSupport.reader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.proxy.core.capture.CaptureFiles.Captured;
import io.cutover.proxy.core.capture.CaptureFiles.Interface;
import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged and foreign files: a {@link CaptureFormatException} that says where and what. */
class CaptureReaderErrorsTest {
    private static final long T0 = 1_700_000_000_000_000L;

    /** A proxy capture of two exchanges, and the offset of each block in it. */
    private static final class WrittenCapture {
        final byte[] bytes;
        final List<Integer> blockOffsets = new ArrayList<>();

        WrittenCapture() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            InetSocketAddress client = new InetSocketAddress("10.0.0.7", 40001);
            InetSocketAddress proxy = new InetSocketAddress("10.0.0.1", 9092);
            try (PcapngWriter writer = new PcapngWriter(out)) {
                byte[][] frames = {KafkaTestFrames.apiVersionsRequest(1), KafkaTestFrames.apiVersionsResponse(1),
                    KafkaTestFrames.metadataRequest(2, 3), KafkaTestFrames.metadataResponse(2, 3)};
                for (int i = 0; i < frames.length; i++) {
                    writer.frame(1, client, proxy, i % 2 == 0, T0 + i, frames[i], 0, frames[i].length);
                }
            }
            bytes = out.toByteArray();
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int at = 0; at < bytes.length; at += b.getInt(at + 4)) {
                blockOffsets.add(at);
            }
        }

        int lastBlock() {
            return blockOffsets.get(blockOffsets.size() - 1);
        }
    }

    @Test
    void truncatedLastPacketIsReportedAfterEverythingBeforeIt(@TempDir Path dir) throws IOException {
        WrittenCapture capture = new WrittenCapture();
        int last = capture.lastBlock();
        int lastLength = capture.bytes.length - last;
        Path file = dir.resolve("killed.pcapng");
        Files.write(file, Arrays.copyOf(capture.bytes, last + 200));
        try (CaptureReader reader = CaptureReader.open(file, Set.of(9092))) {
            List<CaptureEvent> before = new ArrayList<>();
            CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> {
                for (CaptureEvent ev = reader.next(); ev != null; ev = reader.next()) {
                    before.add(ev);
                }
            });
            assertEquals("killed.pcapng: truncated Enhanced Packet Block at offset " + last + ": needs " + lastLength
                + " bytes, 200 left", e.getMessage());
            assertEquals(last, e.offset());
            // the metadata response was in the cut packet: three frames made it
            assertEquals(List.of(1, 1, 2), frames(before).stream().map(CapturedFrame::correlationId).toList());
            // reading on drains the connections as if the capture had stopped there
            CaptureEvent end = reader.next();
            assertTrue(end instanceof CapturedConnectionEnd c && c.reason() == Reason.END_OF_CAPTURE, String.valueOf(end));
            assertNull(reader.next());
        }
    }

    @Test
    void truncationOfAStreamNamesTheSameOffset() throws IOException {
        WrittenCapture capture = new WrittenCapture();
        int last = capture.lastBlock();
        byte[] cut = Arrays.copyOf(capture.bytes, last + 30);
        CaptureReader reader = new CaptureReader(new ByteArrayInputStream(cut), "stdin", Set.of(9092));
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> CaptureTestSupport.readAll(reader));
        assertTrue(e.getMessage().startsWith("stdin: truncated Enhanced Packet Block at offset " + last + ": needs "),
            e.getMessage());
        assertTrue(e.getMessage().endsWith(" bytes, 30 left"), e.getMessage());
    }

    @Test
    void truncatedBlockHeader() throws IOException {
        WrittenCapture capture = new WrittenCapture();
        int last = capture.lastBlock();
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(Arrays.copyOf(capture.bytes, last + 5), 9092)));
        assertEquals("test.cap: truncated block header at offset " + last + ": needs 12 bytes, 5 left", e.getMessage());
    }

    @Test
    void truncatedClassicPcapRecord() throws IOException {
        SyntheticTcp tcp = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        List<SyntheticTcp.Packet> packets = new ArrayList<>(tcp.handshake(T0));
        packets.addAll(tcp.send(true, KafkaTestFrames.apiVersionsRequest(1), 1000, T0 + 1));
        byte[] file = CaptureFiles.pcap(ByteOrder.BIG_ENDIAN, false, CaptureFiles.RAW, packets);
        int lastRecord = file.length - 16 - packets.get(packets.size() - 1).ip().length;
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(Arrays.copyOf(file, file.length - 1), 9092)));
        assertEquals("test.cap: truncated packet record at offset " + lastRecord + ": needs " + (file.length - lastRecord)
            + " bytes, " + (file.length - lastRecord - 1) + " left", e.getMessage());
        e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(Arrays.copyOf(file, lastRecord + 10), 9092)));
        assertEquals("test.cap: truncated packet record header at offset " + lastRecord + ": needs 16 bytes, 10 left",
            e.getMessage());
    }

    @Test
    void impossibleClassicPcapRecordLength() throws IOException {
        SyntheticTcp tcp = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        byte[] file = CaptureFiles.pcap(ByteOrder.LITTLE_ENDIAN, true, CaptureFiles.RAW, tcp.handshake(T0));
        int second = 24 + 16 + 40;
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 8, 0x7FFFFFFF);
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(file, 9092)));
        assertEquals("test.cap: impossible captured length 2147483647 in packet record at offset " + second
            + " (the snapshot length allows 262144)", e.getMessage());
    }

    @Test
    void garbageIsNeitherFormat() {
        byte[] text = "GET / HTTP/1.1\r\nHost: kafka\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        CaptureFormatException e = assertThrows(CaptureFormatException.class, () -> reader(text, 9092));
        assertEquals("test.cap: not a pcap or pcapng capture at offset 0: starts with 0x47455420", e.getMessage());
        assertEquals(0, e.offset());
        e = assertThrows(CaptureFormatException.class, () -> reader(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0}, 9092));
        assertTrue(e.getMessage().endsWith("(gzip-compressed: decompress it first)"), e.getMessage());
        e = assertThrows(CaptureFormatException.class, () -> reader(new byte[0], 9092));
        assertEquals("test.cap: empty file; not a pcap or pcapng capture", e.getMessage());
    }

    @Test
    void impossibleBlockLengths() throws IOException {
        WrittenCapture capture = new WrittenCapture();
        int second = capture.blockOffsets.get(1);
        for (int length : new int[] {13, 8, 0x7FFFFFF0}) {
            byte[] bad = capture.bytes.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(second + 4, length);
            CaptureFormatException e = assertThrows(CaptureFormatException.class,
                () -> CaptureTestSupport.readAll(reader(bad, 9092)));
            assertTrue(e.getMessage().startsWith("test.cap: impossible block length " + length
                + " of Interface Description Block at offset " + second), e.getMessage());
        }
    }

    @Test
    void mismatchedTrailingLength() throws IOException {
        WrittenCapture capture = new WrittenCapture();
        int third = capture.blockOffsets.get(2);
        int fourth = capture.blockOffsets.get(3);
        byte[] bad = capture.bytes.clone();
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(fourth - 4, 4);
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(bad, 9092)));
        assertEquals("test.cap: Enhanced Packet Block at offset " + third + " has length " + (fourth - third)
            + " but its trailing length is 4", e.getMessage());
    }

    @Test
    void packetOfAnUndescribedInterface() throws IOException {
        SyntheticTcp tcp = new SyntheticTcp("10.0.0.1", 50001, "10.0.0.2", 9092);
        byte[] file = CaptureFiles.pcapng(ByteOrder.BIG_ENDIAN, List.of(new Interface(CaptureFiles.RAW, null)),
            List.of(new Captured(0, tcp.handshake(T0).get(0))));
        int epb = file.length - 12 - 20 - 40; // RAW SYN: 40 bytes of IP and TCP
        ByteBuffer.wrap(file).putInt(epb + 8, 3);
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(file, 9092)));
        assertEquals("test.cap: Enhanced Packet Block at offset " + epb + " refers to interface 3, but its section describes 1",
            e.getMessage());
    }

    @Test
    void pcapngThatDoesNotStartWithASection() {
        byte[] file = new byte[28];
        ByteBuffer.wrap(file).putInt(0x0A0D0D0A).putInt(28).putInt(0x12345678);
        CaptureFormatException e = assertThrows(CaptureFormatException.class,
            () -> CaptureTestSupport.readAll(reader(file, 9092)));
        assertEquals("test.cap: Section Header Block at offset 0 has byte-order magic 0x12345678, not 0x1a2b3c4d in either"
            + " byte order", e.getMessage());
    }
}
