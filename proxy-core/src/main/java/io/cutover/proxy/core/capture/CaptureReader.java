package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.capture.CapturedConnectionEnd.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the Kafka traffic of a packet capture (pcap or pcapng) as the frames of each TCP
 * connection, streaming: memory is bounded by the connections' unfinished frames and held-back
 * segments, not by the file.
 *
 * <p>Events come in packet order (captures are in time order), so per connection and direction
 * they come in stream order. Call {@link #next()} until it returns null. Not thread-safe.
 */
public final class CaptureReader implements AutoCloseable {
    /** The file formats a capture can have. */
    public enum Format {
        /** libpcap, microsecond or nanosecond timestamps, either byte order. */
        PCAP,
        /** pcapng, any number of sections and interfaces. */
        PCAPNG
    }

    /**
     * How long (capture time) a connection stays after its end event: the other side may still send
     * (responses after a client's FIN), and stragglers (last ACKs, a retransmitted FIN) must not read
     * as a new connection caught mid-stream. Then it is forgotten, which bounds memory in long captures.
     */
    private static final long LINGER_MICROS = 120_000_000L;

    private final CaptureInput input;
    private final Format format;
    private final Set<Integer> serverPorts;
    private final CaptureStats stats = new CaptureStats();
    private final TcpSegmentDecoder decoder = new TcpSegmentDecoder(stats);
    private final Deque<CaptureEvent> events = new ArrayDeque<>();
    private final Map<FlowKey, KafkaConnection> active = new LinkedHashMap<>();
    private final Deque<Lingering> lingering = new ArrayDeque<>();
    private final List<CapturedConnection> retired = new ArrayList<>();
    private final Map<Integer, String> principals = new java.util.HashMap<>();
    private PacketSource source;
    private int nextConnectionId;
    private long lastMicros;
    private boolean finished;

    private record Lingering(FlowKey key, KafkaConnection connection, long endMicros) {
    }

    /**
     * Opens {@code file}. {@code serverPorts} are the ports of the Kafka servers (or of a proxy in
     * front of them): a segment to or from one of them belongs to a connection whose server side is
     * that port.
     *
     * @throws CaptureFormatException if the file is neither pcap nor pcapng
     */
    public static CaptureReader open(Path file, Set<Integer> serverPorts) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return new CaptureReader(new CaptureInput(in, String.valueOf(file.getFileName())), serverPorts);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Reads a capture from a stream; {@code name} starts the messages of format errors. */
    public CaptureReader(InputStream in, String name, Set<Integer> serverPorts) throws IOException {
        this(new CaptureInput(in, name), serverPorts);
    }

    private CaptureReader(CaptureInput input, Set<Integer> serverPorts) throws IOException {
        if (serverPorts.isEmpty()) {
            throw new IllegalArgumentException("no Kafka server ports given");
        }
        this.input = input;
        this.serverPorts = Set.copyOf(new HashSet<>(serverPorts));
        byte[] magic = input.peek(4);
        this.format = CaptureFormats.detect(input, magic);
        this.source = format == Format.PCAPNG ? new PcapngFileReader(input) : new PcapFileReader(input);
    }

    public Format format() {
        return format;
    }

    /**
     * The next frame or connection end, or null after the last one.
     *
     * @throws CaptureFormatException where the file is damaged; every event from the packets before
     *         the damage has been returned already, and calling again returns what the connections
     *         still hold (ends, as if the capture had stopped there), then null
     */
    public CaptureEvent next() throws IOException {
        while (events.isEmpty()) {
            if (finished) {
                return null;
            }
            if (source == null) {
                finish();
                continue;
            }
            LinkPacket packet;
            try {
                packet = source.next();
            } catch (IOException | RuntimeException e) {
                stats.captureBytes(source.bytesRead());
                source = null;
                throw e;
            }
            stats.captureBytes(source.bytesRead());
            if (packet == null) {
                source = null;
                continue;
            }
            packet(packet);
        }
        return events.poll();
    }

    /** The next frame, passing over connection ends; null after the last one. */
    public CapturedFrame nextFrame() throws IOException {
        for (CaptureEvent e = next(); e != null; e = next()) {
            if (e instanceof CapturedFrame frame) {
                return frame;
            }
        }
        return null;
    }

    public CaptureStats stats() {
        return stats;
    }

    /**
     * Whom connection {@code connectionId}'s client logged in to the proxy as, as far as the capture
     * has been read (the proxy's captures record it after the login, {@link PcapngWriter#loggedIn});
     * null when the capture says nothing of it.
     */
    public String principal(int connectionId) {
        return principals.get(connectionId);
    }

    /** Every connection seen so far, by id; after the last event, each with its end reason. */
    public List<CapturedConnection> connections() {
        List<CapturedConnection> all = new ArrayList<>(retired);
        for (KafkaConnection c : active.values()) {
            all.add(c.summary());
        }
        all.sort(Comparator.comparingInt(CapturedConnection::connectionId));
        return all;
    }

    @Override
    public void close() throws IOException {
        input.close();
    }

    private void packet(LinkPacket packet) {
        stats.packetRead();
        lastMicros = packet.timestampMicros();
        retireLingering(lastMicros);
        TcpSegment s = decoder.decode(packet);
        if (s == null) {
            return;
        }
        boolean toServer = serverPorts.contains(s.destinationPort());
        boolean fromServer = serverPorts.contains(s.sourcePort());
        if (!toServer && !fromServer) {
            stats.packetSkipped();
            return;
        }
        boolean fromClient = toServer && fromServer ? clientSent(s) : toServer;
        FlowKey key = FlowKey.of(s, fromClient);
        KafkaConnection connection = active.get(key);
        boolean syn = s.has(TcpSegment.SYN);
        boolean ack = s.has(TcpSegment.ACK);
        if (connection != null && syn && fromClient && !ack && connection.isNewSyn(s.sequence())) {
            connection.finish(Reason.REPLACED, s.timestampMicros());
            KafkaConnection replaced = connection;
            lingering.removeIf(l -> l.connection() == replaced);
            retire(key, connection);
            connection = null;
        }
        if (connection == null) {
            if (!syn && s.payloadLength() == 0) {
                return; // an ACK, FIN or RST of a connection with nothing to frame
            }
            connection = open(key, syn, s.timestampMicros());
        } else if (connection.closed()) {
            return;
        }
        if (packet.comment() != null && packet.comment().startsWith(PcapngWriter.PRINCIPAL_COMMENT)) {
            principals.put(connection.id(), packet.comment().substring(PcapngWriter.PRINCIPAL_COMMENT.length()));
        }
        stats.tcpPayload(s.payloadLength());
        boolean wasEnded = connection.ended();
        connection.segment(s, fromClient);
        if (!wasEnded && connection.ended()) {
            lingering.add(new Lingering(key, connection, s.timestampMicros()));
        }
    }

    /** For a segment between two server ports: the SYN says who is the client, else the higher port is. */
    private boolean clientSent(TcpSegment s) {
        if (s.has(TcpSegment.SYN)) {
            return !s.has(TcpSegment.ACK);
        }
        if (active.containsKey(FlowKey.of(s, true))) {
            return true;
        }
        if (active.containsKey(FlowKey.of(s, false))) {
            return false;
        }
        return s.sourcePort() > s.destinationPort();
    }

    private KafkaConnection open(FlowKey key, boolean syn, long micros) {
        KafkaConnection c = new KafkaConnection(nextConnectionId++, address(key.clientAddress(), key.clientPort()),
            address(key.serverAddress(), key.serverPort()), syn, micros, events::add, stats);
        active.put(key, c);
        return c;
    }

    private void retireLingering(long now) {
        while (!lingering.isEmpty() && lingering.peek().endMicros() + LINGER_MICROS < now) {
            Lingering l = lingering.poll();
            l.connection().finish(Reason.END_OF_CAPTURE, now);
            retire(l.key(), l.connection());
        }
    }

    /** Forgets a connection but its summary. */
    private void retire(FlowKey key, KafkaConnection connection) {
        active.remove(key, connection);
        retired.add(connection.summary());
    }

    private void finish() {
        finished = true;
        for (KafkaConnection c : active.values()) {
            c.finish(Reason.END_OF_CAPTURE, lastMicros);
        }
    }

    private static InetSocketAddress address(byte[] ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("IP address of " + ip.length + " bytes", e); // decoder gives 4 or 16
        }
    }
}
