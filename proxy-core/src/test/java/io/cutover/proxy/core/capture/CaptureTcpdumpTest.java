package io.cutover.proxy.core.capture;

import static io.cutover.proxy.core.capture.CaptureTestSupport.ends;
import static io.cutover.proxy.core.capture.CaptureTestSupport.frames;
import static io.cutover.proxy.core.capture.KafkaTestFrames.body;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import io.cutover.proxy.core.capture.CapturedFrame.Direction;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real capture: tcpdump on the loopback interface records a Kafka-like exchange between a tiny
 * client and server in this JVM, and the reader gets the frames back from tcpdump's file.
 */
class CaptureTcpdumpTest {
    private static final long DEADLINE_MILLIS = 30_000;

    @Test
    void readsWhatTcpdumpCaptured(@TempDir Path dir) throws Exception {
        assumeTrue(CaptureToolSupport.installed("tcpdump"), "tcpdump is not installed");
        Path file = dir.resolve("lo.pcap");
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();
            Process tcpdump = startTcpdump(file, port);
            try {
                List<byte[]> requests = List.of(
                    apiVersionsRequest(1),
                    metadataRequest(2), // ~150 KB: several segments even on loopback
                    apiVersionsRequest(3));
                CompletableFuture<List<byte[]>> served = CompletableFuture.supplyAsync(() -> serve(listener, requests.size()));
                List<byte[]> responses = new ArrayList<>();
                int clientPort;
                try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    clientPort = client.getLocalPort();
                    DataOutputStream out = new DataOutputStream(client.getOutputStream());
                    DataInputStream in = new DataInputStream(client.getInputStream());
                    for (byte[] request : requests) {
                        out.write(request);
                        out.flush();
                        responses.add(readFrame(in));
                    }
                }
                assertEquals(requests.size(), served.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS).size());

                List<CaptureEvent> events = awaitCapturedEnd(file, port);
                List<CapturedFrame> frames = frames(events);
                assertEquals(6, frames.size(), events.toString());
                for (int i = 0; i < 3; i++) {
                    CapturedFrame request = frames.get(2 * i);
                    CapturedFrame response = frames.get(2 * i + 1);
                    assertEquals(Direction.REQUEST, request.direction());
                    assertArrayEquals(body(requests.get(i)), request.frame());
                    assertEquals(i + 1, request.correlationId());
                    assertEquals(i == 1 ? ApiKeys.METADATA.id : ApiKeys.API_VERSIONS.id, request.apiKey());
                    assertEquals(Direction.RESPONSE, response.direction());
                    assertArrayEquals(body(responses.get(i)), response.frame());
                    assertEquals(request.apiKey(), response.apiKey());
                    assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), clientPort), request.client());
                    assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), request.server());
                    assertTrue(response.timestampMicros() >= request.timestampMicros());
                }
                assertEquals(Reason.CLIENT_CLOSED, ends(events).get(0).reason());

                if (CaptureToolSupport.installed("tshark")) {
                    // the same packets as pcapng written by Wireshark's own code
                    Path pcapng = dir.resolve("lo.pcapng");
                    CaptureToolSupport.run(List.of("tshark", "-r", file.toString(), "-F", "pcapng", "-w", pcapng.toString()));
                    try (CaptureReader reader = CaptureReader.open(pcapng, Set.of(port))) {
                        assertEquals(CaptureReader.Format.PCAPNG, reader.format());
                        List<CaptureEvent> again = CaptureTestSupport.readAll(reader);
                        assertEquals(events.toString(), again.toString());
                    }
                }
            } finally {
                tcpdump.destroy();
                if (!tcpdump.waitFor(10, TimeUnit.SECONDS)) {
                    tcpdump.destroyForcibly();
                }
            }
        }
    }

    /** Starts tcpdump and returns once it says it is capturing; skips the test if it cannot capture here. */
    private static Process startTcpdump(Path file, int port) throws IOException, InterruptedException {
        // nanosecond timestamps: the classic pcap variant other tests only write themselves
        List<String> command = new ArrayList<>(List.of("tcpdump", "-i", "lo", "-n", "-U", "--time-stamp-precision=nano", "-w",
            file.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-Z", "root")); // keep root, who owns the temporary directory
        }
        command.addAll(List.of("tcp", "port", String.valueOf(port)));
        Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> listening = new CompletableFuture<>();
        StringBuilder stderr = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (stderr) {
                        stderr.append(line).append('\n');
                    }
                    if (line.contains("listening on")) {
                        listening.complete(line);
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
            listening.complete(null);
        }, "tcpdump-stderr");
        reader.setDaemon(true);
        reader.start();
        String line;
        try {
            line = listening.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            line = null;
        }
        if (line == null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            synchronized (stderr) {
                assumeTrue(false, "tcpdump cannot capture here: " + stderr);
            }
        }
        return p;
    }

    /**
     * Reads the growing capture until it holds the connection's end: by then tcpdump has written
     * every packet the test cares about. A half-written last packet reads as a truncation; try again.
     */
    private static List<CaptureEvent> awaitCapturedEnd(Path file, int port) throws Exception {
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (true) {
            List<CaptureEvent> events = new ArrayList<>();
            boolean whole = true;
            try (CaptureReader reader = CaptureReader.open(file, Set.of(port))) {
                for (CaptureEvent e = reader.next(); e != null; e = reader.next()) {
                    events.add(e);
                }
            } catch (CaptureFormatException e) {
                whole = false;
            }
            if (whole && events.stream().anyMatch(e -> e instanceof CapturedConnectionEnd end && end.reason() != Reason.END_OF_CAPTURE)) {
                return events;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("tcpdump did not capture the connection's close: " + events);
            }
            Thread.sleep(20); // paces the polling; what is awaited is the condition above
        }
    }

    /** Answers {@code count} requests with ApiVersions responses carrying their correlation ids. */
    private static List<byte[]> serve(ServerSocket listener, int count) {
        List<byte[]> got = new ArrayList<>();
        try (Socket s = listener.accept()) {
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            for (int i = 0; i < count; i++) {
                byte[] request = readFrame(in);
                got.add(request);
                int correlationId = ByteBuffer.wrap(request, 8, 4).getInt();
                out.write(KafkaTestFrames.apiVersionsResponse(correlationId));
                out.flush();
            }
            // wait for the client's close, so the server does not close first
            if (in.read() != -1) {
                throw new IOException("unexpected data");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return got;
    }

    private static byte[] readFrame(DataInputStream in) throws IOException {
        int size = in.readInt();
        byte[] frame = new byte[4 + size];
        ByteBuffer.wrap(frame).putInt(size);
        in.readFully(frame, 4, size);
        return frame;
    }

    /** A real ApiVersionsRequest, with its size prefix, as kafka-clients sends it. */
    private static byte[] apiVersionsRequest(int correlationId) {
        ApiVersionsRequest request = new ApiVersionsRequest.Builder().build((short) 3);
        return withSize(request.serializeWithHeader(new RequestHeader(ApiKeys.API_VERSIONS, (short) 3, "capture-test",
            correlationId)));
    }

    private static byte[] metadataRequest(int correlationId) {
        List<String> topics = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            topics.add("a-topic-with-a-long-name-" + i);
        }
        MetadataRequest request = new MetadataRequest.Builder(topics, false).build((short) 12);
        return withSize(request.serializeWithHeader(new RequestHeader(ApiKeys.METADATA, (short) 12, "capture-test",
            correlationId)));
    }

    private static byte[] withSize(ByteBuffer message) {
        byte[] frame = new byte[4 + message.remaining()];
        ByteBuffer.wrap(frame).putInt(message.remaining()).put(message);
        return frame;
    }
}
