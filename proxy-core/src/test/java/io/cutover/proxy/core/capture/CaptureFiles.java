package io.cutover.proxy.core.capture;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Writes test captures: classic pcap (either byte order, micro- or nanosecond timestamps) and
 * pcapng (either byte order, any interfaces), wrapping IP packets in the link layer asked for.
 */
final class CaptureFiles {
    static final int ETHERNET = 1;
    static final int NULL = 0;
    static final int RAW = 101;
    static final int LOOP = 108;
    static final int LINUX_SLL = 113;
    static final int LINUX_SLL2 = 276;

    private CaptureFiles() {
    }

    /** Classic pcap of {@code packets}, each wrapped for {@code linkType}. */
    static byte[] pcap(ByteOrder order, boolean nanos, int linkType, List<SyntheticTcp.Packet> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(nanos ? 0xA1B23C4D : 0xA1B2C3D4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144)
            .putInt(linkType);
        out.writeBytes(h.array());
        for (SyntheticTcp.Packet p : packets) {
            byte[] frame = link(linkType, p.ip(), order);
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            long fraction = nanos ? (p.micros() % 1_000_000) * 1000 + 789 : p.micros() % 1_000_000;
            r.putInt((int) (p.micros() / 1_000_000)).putInt((int) fraction).putInt(frame.length).putInt(frame.length);
            out.writeBytes(r.array());
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    /** A pcapng interface: its link type and if_tsresol (or null for the default, microseconds). */
    record Interface(int linkType, Byte tsresol) {
    }

    /** A packet and the interface (index) it was captured on. */
    record Captured(int interfaceId, SyntheticTcp.Packet packet) {
    }

    /** One pcapng section. */
    static byte[] pcapng(ByteOrder order, List<Interface> interfaces, List<Captured> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer shb = block(order, 0x0A0D0D0A, 16);
        shb.putInt(0x1A2B3C4D).putShort((short) 1).putShort((short) 0).putLong(-1L);
        out.writeBytes(finish(shb));
        for (Interface i : interfaces) {
            ByteBuffer idb = block(order, 1, 8 + (i.tsresol() == null ? 0 : 12));
            idb.putShort((short) i.linkType()).putShort((short) 0).putInt(0);
            if (i.tsresol() != null) {
                idb.putShort((short) 9).putShort((short) 1).put(i.tsresol()).put(new byte[3]).putInt(0);
            }
            out.writeBytes(finish(idb));
        }
        // A statistics block among the packets: must be passed over.
        ByteBuffer isb = block(order, 5, 12);
        isb.putInt(0).putLong(0);
        out.writeBytes(finish(isb));
        for (Captured c : packets) {
            Interface i = interfaces.get(c.interfaceId());
            byte[] frame = link(i.linkType(), c.packet().ip(), order);
            int padded = (frame.length + 3) & ~3;
            long ticks = ticks(c.packet().micros(), i.tsresol());
            ByteBuffer epb = block(order, 6, 20 + padded);
            epb.putInt(c.interfaceId()).putInt((int) (ticks >>> 32)).putInt((int) ticks).putInt(frame.length)
                .putInt(frame.length).put(frame);
            out.writeBytes(finish(epb));
        }
        return out.toByteArray();
    }

    private static long ticks(long micros, Byte tsresol) {
        if (tsresol == null) {
            return micros;
        }
        int e = tsresol & 0x7F;
        if ((tsresol & 0x80) != 0) {
            return (micros / 1_000_000 << e) + ((micros % 1_000_000) << e) / 1_000_000;
        }
        long units = (long) Math.pow(10, e);
        return units >= 1_000_000 ? micros * (units / 1_000_000) : micros / (1_000_000 / units);
    }

    private static ByteBuffer block(ByteOrder order, int type, int body) {
        ByteBuffer b = ByteBuffer.allocate(12 + body).order(order);
        b.putInt(type).putInt(12 + body);
        return b;
    }

    private static byte[] finish(ByteBuffer b) {
        b.position(b.capacity() - 4);
        b.putInt(b.capacity());
        return b.array();
    }

    /** {@code ip} behind a link-layer header of {@code linkType}. */
    static byte[] link(int linkType, byte[] ip, ByteOrder fileOrder) {
        boolean v6 = (ip[0] & 0xF0) == 0x60;
        int etherType = v6 ? 0x86DD : 0x0800;
        ByteBuffer b;
        switch (linkType) {
            case ETHERNET -> {
                // with an 802.1Q tag, as captured on a trunk port
                b = ByteBuffer.allocate(18 + ip.length);
                b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) 0x8100).putShort((short) 42)
                    .putShort((short) etherType);
            }
            case NULL -> {
                // host byte order of the capturing machine; use the file's
                b = ByteBuffer.allocate(4 + ip.length).order(fileOrder);
                b.putInt(v6 ? 30 : 2);
            }
            case LOOP -> {
                b = ByteBuffer.allocate(4 + ip.length);
                b.putInt(v6 ? 24 : 2);
            }
            case LINUX_SLL -> {
                b = ByteBuffer.allocate(16 + ip.length);
                b.putShort((short) 0).putShort((short) 772).putShort((short) 6).put(new byte[8]).putShort((short) etherType);
            }
            case LINUX_SLL2 -> {
                b = ByteBuffer.allocate(20 + ip.length);
                b.putShort((short) etherType).putShort((short) 0).putInt(1).putShort((short) 772).put((byte) 0).put((byte) 6)
                    .put(new byte[8]);
            }
            case RAW -> b = ByteBuffer.allocate(ip.length);
            default -> throw new IllegalArgumentException("link type " + linkType);
        }
        b.order(ByteOrder.BIG_ENDIAN).put(ip);
        return b.array();
    }
}
