package io.cutover.proxy.core.capture;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes Kafka traffic as pcapng with synthetic IPv4/TCP framing, so that Wireshark and tshark read
 * it as the TCP conversations it stands for and their Kafka dissector decodes it. Each proxied
 * client connection becomes one TCP conversation; the server side is given port 9092, the port the
 * Kafka dissector claims by default, whatever port the proxy listened on (the real one is kept in a
 * comment on the connection's first packet).
 *
 * <p>Not thread-safe: one writer thread owns it.
 */
public final class PcapngWriter implements AutoCloseable {
    public static final int KAFKA_PORT = 9092;
    /**
     * Starts the comment of the empty segment that says whom a connection's client logged in as;
     * the principal follows, verbatim. {@link CaptureReader#principal} reads it back.
     */
    public static final String PRINCIPAL_COMMENT = "cutover-proxy principal: ";
    private static final int LINKTYPE_RAW = 101;
    private static final int MAX_SEGMENT_PAYLOAD = 65_000;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int PSH = 0x08;
    private static final int FIN = 0x01;

    private final OutputStream out;
    private final Map<Long, Flow> flows = new HashMap<>();
    private long bytesWritten;

    /** One synthetic TCP conversation. */
    private static final class Flow {
        final byte[] clientIp;
        final int clientPort;
        final byte[] serverIp;
        long clientSeq;
        long serverSeq;

        Flow(long connectionId, byte[] clientIp, int clientPort, byte[] serverIp) {
            this.clientIp = clientIp;
            this.clientPort = clientPort;
            this.serverIp = serverIp;
            // Initial sequence numbers differ per connection, as real ones do: a client that
            // reconnects from the same port must not look like a retransmission of the old SYN.
            long mixed = connectionId * 0x9E3779B97F4A7C15L;
            this.clientSeq = mixed >>> 32;
            this.serverSeq = mixed & 0xFFFFFFFFL;
        }
    }

    public PcapngWriter(OutputStream out) throws IOException {
        this.out = out;
        writeSectionHeader();
        writeInterface();
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    /**
     * Writes one Kafka frame (size prefix included) of connection {@code connectionId}, sent by the
     * client ({@code fromClient}) or by the proxy, at {@code micros} since the epoch.
     */
    public void frame(long connectionId, InetSocketAddress client, InetSocketAddress server, boolean fromClient, long micros,
                      byte[] frame, int offset, int length) throws IOException {
        Flow flow = flows.get(connectionId);
        if (flow == null) {
            flow = new Flow(connectionId, ipv4(client), client.getPort(), ipv4(server));
            flows.put(connectionId, flow);
            handshake(flow, micros, "cutover-proxy connection " + connectionId + ": client " + client + ", proxy port " + server.getPort());
        }
        for (int pos = offset; pos < offset + length; pos += MAX_SEGMENT_PAYLOAD) {
            int n = Math.min(MAX_SEGMENT_PAYLOAD, offset + length - pos);
            segment(flow, fromClient, ACK | PSH, micros, frame, pos, n, null);
        }
    }

    /**
     * Records that connection {@code connectionId}'s client logged in as {@code principal}: an empty
     * ACK from the client carrying {@link #PRINCIPAL_COMMENT} and the name, which Wireshark shows as
     * a packet comment and which changes nothing in the conversation's bytes.
     */
    public void loggedIn(long connectionId, InetSocketAddress client, InetSocketAddress server, long micros, String principal)
        throws IOException {
        Flow flow = flows.get(connectionId);
        if (flow == null) {
            flow = new Flow(connectionId, ipv4(client), client.getPort(), ipv4(server));
            flows.put(connectionId, flow);
            handshake(flow, micros, "cutover-proxy connection " + connectionId + ": client " + client + ", proxy port " + server.getPort());
        }
        segment(flow, true, ACK, micros, new byte[0], 0, 0, PRINCIPAL_COMMENT + principal);
    }

    /** Ends a connection's conversation with a FIN from the side that closed. */
    public void closed(long connectionId, boolean byClient, long micros) throws IOException {
        Flow flow = flows.remove(connectionId);
        if (flow != null) {
            segment(flow, byClient, FIN | ACK, micros, new byte[0], 0, 0, null);
        }
    }

    private void handshake(Flow flow, long micros, String comment) throws IOException {
        segment(flow, true, SYN, micros, new byte[0], 0, 0, comment);
        flow.clientSeq++;
        segment(flow, false, SYN | ACK, micros, new byte[0], 0, 0, null);
        flow.serverSeq++;
        segment(flow, true, ACK, micros, new byte[0], 0, 0, null);
    }

    private void segment(Flow flow, boolean fromClient, int flags, long micros, byte[] data, int offset, int length, String comment)
        throws IOException {
        int packetLength = 20 + 20 + length;
        ByteBuffer p = ByteBuffer.allocate(packetLength).order(ByteOrder.BIG_ENDIAN);
        byte[] src = fromClient ? flow.clientIp : flow.serverIp;
        byte[] dst = fromClient ? flow.serverIp : flow.clientIp;
        // IPv4
        p.put((byte) 0x45).put((byte) 0).putShort((short) packetLength).putShort((short) 0).putShort((short) 0x4000)
            .put((byte) 64).put((byte) 6).putShort((short) 0).put(src).put(dst);
        p.putShort(10, checksum(p.array(), 0, 20, 0));
        // TCP
        long seq = fromClient ? flow.clientSeq : flow.serverSeq;
        long ack = (flags & SYN) != 0 && fromClient ? 0 : (fromClient ? flow.serverSeq : flow.clientSeq);
        p.putShort((short) (fromClient ? flow.clientPort : KAFKA_PORT)).putShort((short) (fromClient ? KAFKA_PORT : flow.clientPort))
            .putInt((int) seq).putInt((int) ack).put((byte) (5 << 4)).put((byte) flags).putShort((short) 65535)
            .putShort((short) 0).putShort((short) 0);
        p.put(data, offset, length);
        p.putShort(36, tcpChecksum(p.array(), src, dst, 20, 20 + length));
        if (fromClient) {
            flow.clientSeq += length;
        } else {
            flow.serverSeq += length;
        }
        writeEnhancedPacket(micros, p.array(), comment);
    }

    private static short tcpChecksum(byte[] packet, byte[] src, byte[] dst, int tcpStart, int tcpLength) {
        int sum = 0;
        for (int i = 0; i < 4; i += 2) {
            sum += ((src[i] & 0xff) << 8) | (src[i + 1] & 0xff);
            sum += ((dst[i] & 0xff) << 8) | (dst[i + 1] & 0xff);
        }
        sum += 6 + tcpLength;
        return checksum(packet, tcpStart, tcpLength, sum);
    }

    private static short checksum(byte[] b, int offset, int length, int initial) {
        long sum = initial;
        int i = offset;
        for (; i + 1 < offset + length; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        if (i < offset + length) {
            sum += (b[i] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    private static byte[] ipv4(InetSocketAddress a) {
        byte[] ip = a.getAddress() == null ? null : a.getAddress().getAddress();
        return ip != null && ip.length == 4 ? ip : new byte[] {127, 0, 0, 1};
    }

    private void writeSectionHeader() throws IOException {
        byte[] app = option(4, "cutover-proxy capture".getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = block(0x0A0D0D0A, 16 + app.length + 4);
        b.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L).put(app).putInt(0);
        finish(b);
    }

    private void writeInterface() throws IOException {
        byte[] name = option(2, "cutover-proxy".getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = block(1, 8 + name.length + 4);
        b.putShort((short) LINKTYPE_RAW).putShort((short) 0).putInt(0).put(name).putInt(0);
        finish(b);
    }

    private void writeEnhancedPacket(long micros, byte[] packet, String comment) throws IOException {
        int padded = (packet.length + 3) & ~3;
        byte[] opts = comment == null ? new byte[0] : option(1, comment.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = block(6, 20 + padded + opts.length + (opts.length > 0 ? 4 : 0));
        b.putInt(0).putInt((int) (micros >>> 32)).putInt((int) micros).putInt(packet.length).putInt(packet.length).put(packet);
        b.position(b.position() + padded - packet.length);
        if (opts.length > 0) {
            b.put(opts).putInt(0);
        }
        finish(b);
    }

    /** A block with its type and total length written; {@code body} bytes follow, then the length again. */
    private static ByteBuffer block(int type, int body) {
        int total = 12 + body;
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(type).putInt(total);
        return b;
    }

    private void finish(ByteBuffer b) throws IOException {
        b.putInt(b.capacity());
        out.write(b.array());
        bytesWritten += b.capacity();
    }

    private static byte[] option(int code, byte[] value) {
        int padded = (value.length + 3) & ~3;
        ByteBuffer b = ByteBuffer.allocate(4 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) code).putShort((short) value.length).put(value);
        return b.array();
    }

    /** Pushes buffered blocks to the file, so a capture being read while it runs is whole up to here. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.flush();
        out.close();
    }
}
