package io.cutover.proxy.core.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the IP packets of one TCP connection, segment by segment, so tests can drop, repeat and
 * reorder them. Checksums are left zero: the reader does not check them (captures on the sending
 * host have them unfilled because of checksum offload).
 */
final class SyntheticTcp {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    /** An IP packet and its capture time. */
    record Packet(long micros, byte[] ip) {
    }

    private final byte[] client;
    private final int clientPort;
    private final byte[] server;
    private final int serverPort;
    long clientSeq;
    long serverSeq;
    /** IPv4 header option words to add (IHL above 5), to exercise option skipping. */
    int ipv4OptionWords;
    /** IPv6 extension headers (hop-by-hop, destination options) to put before TCP. */
    boolean ipv6Extensions;

    SyntheticTcp(String clientIp, int clientPort, String serverIp, int serverPort, long clientIsn, long serverIsn) {
        this.client = ip(clientIp);
        this.clientPort = clientPort;
        this.server = ip(serverIp);
        this.serverPort = serverPort;
        this.clientSeq = clientIsn;
        this.serverSeq = serverIsn;
    }

    SyntheticTcp(String clientIp, int clientPort, String serverIp, int serverPort) {
        this(clientIp, clientPort, serverIp, serverPort, 1000, 5000);
    }

    List<Packet> handshake(long micros) {
        List<Packet> p = new ArrayList<>();
        p.add(segment(true, clientSeq, SYN, new byte[0], micros));
        clientSeq++;
        p.add(segment(false, serverSeq, SYN | ACK, new byte[0], micros));
        serverSeq++;
        p.add(segment(true, clientSeq, ACK, new byte[0], micros));
        return p;
    }

    /** {@code data} as segments of at most {@code mss} bytes, advancing the sender's sequence number. */
    List<Packet> send(boolean fromClient, byte[] data, int mss, long micros) {
        List<Packet> p = new ArrayList<>();
        for (int pos = 0; pos < data.length; pos += mss) {
            byte[] chunk = Arrays.copyOfRange(data, pos, Math.min(data.length, pos + mss));
            long seq = fromClient ? clientSeq : serverSeq;
            p.add(segment(fromClient, seq, ACK | PSH, chunk, micros));
            if (fromClient) {
                clientSeq += chunk.length;
            } else {
                serverSeq += chunk.length;
            }
        }
        return p;
    }

    Packet fin(boolean fromClient, long micros) {
        Packet p = segment(fromClient, fromClient ? clientSeq : serverSeq, FIN | ACK, new byte[0], micros);
        if (fromClient) {
            clientSeq++;
        } else {
            serverSeq++;
        }
        return p;
    }

    Packet rst(boolean fromClient, long micros) {
        return segment(fromClient, fromClient ? clientSeq : serverSeq, RST | ACK, new byte[0], micros);
    }

    Packet segment(boolean fromClient, long seq, int flags, byte[] data, long micros) {
        byte[] src = fromClient ? client : server;
        byte[] dst = fromClient ? server : client;
        ByteBuffer tcp = ByteBuffer.allocate(20 + data.length);
        long ack = fromClient ? serverSeq : clientSeq;
        tcp.putShort((short) (fromClient ? clientPort : serverPort)).putShort((short) (fromClient ? serverPort : clientPort))
            .putInt((int) seq).putInt((flags & ACK) != 0 ? (int) ack : 0).put((byte) (5 << 4)).put((byte) flags)
            .putShort((short) 65535).putShort((short) 0).putShort((short) 0).put(data);
        return new Packet(micros, src.length == 4 ? ipv4(src, dst, tcp.array()) : ipv6(src, dst, tcp.array()));
    }

    private byte[] ipv4(byte[] src, byte[] dst, byte[] tcp) {
        int header = 20 + 4 * ipv4OptionWords;
        ByteBuffer p = ByteBuffer.allocate(header + tcp.length);
        p.put((byte) (0x40 | (header / 4))).put((byte) 0).putShort((short) (header + tcp.length)).putShort((short) 0)
            .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).put(src).put(dst);
        for (int i = 0; i < ipv4OptionWords; i++) {
            p.putInt(0x01010101); // NOPs
        }
        p.put(tcp);
        return p.array();
    }

    private byte[] ipv6(byte[] src, byte[] dst, byte[] tcp) {
        int extensions = ipv6Extensions ? 16 : 0;
        ByteBuffer p = ByteBuffer.allocate(40 + extensions + tcp.length);
        p.putInt(0x60000000).putShort((short) (extensions + tcp.length)).put((byte) (ipv6Extensions ? 0 : 6)).put((byte) 64)
            .put(src).put(dst);
        if (ipv6Extensions) {
            // hop-by-hop (8 bytes, padding option) -> destination options (8 bytes) -> TCP
            p.put((byte) 60).put((byte) 0).put(new byte[] {1, 4, 0, 0, 0, 0});
            p.put((byte) 6).put((byte) 0).put(new byte[] {1, 4, 0, 0, 0, 0});
        }
        p.put(tcp);
        return p.array();
    }

    private static byte[] ip(String text) {
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
