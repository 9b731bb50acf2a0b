package io.cutover.proxy.core.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wireshark's Kafka dissector reads what {@link PcapngWriter} writes. Metadata v9: tshark 4.0 decodes
 * Metadata only up to v9 and calls later versions malformed.
 */
class CaptureTsharkTest {
    private static final long T0 = 1_700_000_000_000_000L;

    @Test
    void tsharkDecodesTheKafkaRequests(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(CaptureToolSupport.installed("tshark"), "tshark is not installed");
        Path file = dir.resolve("proxy.pcapng");
        InetSocketAddress client = new InetSocketAddress("10.0.0.7", 40001);
        InetSocketAddress proxy = new InetSocketAddress("10.0.0.1", 19092);
        try (OutputStream out = Files.newOutputStream(file); PcapngWriter writer = new PcapngWriter(out)) {
            byte[][] frames = {KafkaTestFrames.apiVersionsRequest(1), KafkaTestFrames.apiVersionsResponse(1),
                KafkaTestFrames.metadataRequest(2, 3, (short) 9), KafkaTestFrames.metadataResponse(2, 400, (short) 9)};
            for (int i = 0; i < frames.length; i++) {
                writer.frame(7, client, proxy, i % 2 == 0, T0 + 1000L * i, frames[i], 0, frames[i].length);
            }
            writer.closed(7, true, T0 + 5000);
        }
        String out = CaptureToolSupport.run(List.of("tshark", "-r", file.toString(), "-o", "tcp.analyze_sequence_numbers:TRUE",
            "-Y", "kafka", "-T", "fields", "-e", "kafka.request_key", "-e", "kafka.response_key", "-e", "kafka.correlation_id"));
        List<String> lines = Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).toList();
        // The dissector labels each response with its request's key, found by correlation id.
        assertEquals(List.of("18\t\t1", "\t18\t1", "3\t\t2", "\t3\t2"), lines, out);
        String malformed = CaptureToolSupport.run(List.of("tshark", "-r", file.toString(), "-Y", "_ws.malformed || tcp.analysis.flags"));
        assertEquals("", malformed.strip(), "no malformed packets and no TCP analysis complaints");
    }
}
