package io.cutover.proxy.core.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Classic libpcap files: a 24-byte file header, then records of a 16-byte header and the packet.
 * The magic number says the byte order of the writing machine and whether the fraction of a
 * second is in microseconds or nanoseconds.
 */
final class PcapFileReader implements PacketSource {
    static final int MAGIC_MICROS = 0xA1B2C3D4;
    static final int MAGIC_NANOS = 0xA1B23C4D;
    private static final int FILE_HEADER_BYTES = 24;
    private static final int RECORD_HEADER_BYTES = 16;
    /**
     * tcpdump's default snapshot length. Some writers put 0 or 65535 in the header and still write
     * longer packets (offloaded segments on loopback), so only a length beyond both is impossible.
     */
    private static final int MAX_PACKET_BYTES = 262_144;
    /** Caps a (corrupt) snapshot length, so that a bad record length cannot cost gigabytes. */
    private static final int MAX_SNAPSHOT_BYTES = 16 << 20;

    private final CaptureInput in;
    private final ByteOrder order;
    private final long unitsPerSecond;
    private final int linkType;
    private final long maxPacket;
    private final byte[] recordHeader = new byte[RECORD_HEADER_BYTES];

    PcapFileReader(CaptureInput in) throws IOException {
        this.in = in;
        byte[] h = new byte[FILE_HEADER_BYTES];
        in.readHeader(h, FILE_HEADER_BYTES, "pcap file header");
        int magic = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN).getInt(0);
        ByteOrder o = ByteOrder.BIG_ENDIAN;
        if (magic == Integer.reverseBytes(MAGIC_MICROS) || magic == Integer.reverseBytes(MAGIC_NANOS)) {
            o = ByteOrder.LITTLE_ENDIAN;
            magic = Integer.reverseBytes(magic);
        }
        this.order = o;
        this.unitsPerSecond = magic == MAGIC_NANOS ? 1_000_000_000L : 1_000_000L;
        ByteBuffer b = ByteBuffer.wrap(h).order(order);
        int major = b.getShort(4);
        if (major != 2) {
            throw in.error(0, "unsupported pcap version " + major + "." + b.getShort(6) + " at offset 0");
        }
        long snapLength = Integer.toUnsignedLong(b.getInt(16));
        this.maxPacket = Math.max(Math.min(snapLength, MAX_SNAPSHOT_BYTES), MAX_PACKET_BYTES);
        // The upper bits of the link-type field carry FCS information, not the link type.
        this.linkType = b.getInt(20) & 0xFFFF;
    }

    @Override
    public LinkPacket next() throws IOException {
        long start = in.offset();
        if (!in.readHeader(recordHeader, RECORD_HEADER_BYTES, "packet record header")) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(recordHeader).order(order);
        long seconds = Integer.toUnsignedLong(b.getInt(0));
        long fraction = Integer.toUnsignedLong(b.getInt(4));
        long captured = Integer.toUnsignedLong(b.getInt(8));
        long original = Integer.toUnsignedLong(b.getInt(12));
        if (captured > maxPacket) {
            throw in.error(start, "impossible captured length " + captured + " in packet record at offset " + start
                + " (the snapshot length allows " + maxPacket + ")");
        }
        long total = RECORD_HEADER_BYTES + captured;
        byte[] data = new byte[(int) captured];
        in.readRest(data, 0, data.length, "packet record", start, total);
        long micros = seconds * 1_000_000L + CaptureTimestamps.toMicros(fraction, unitsPerSecond);
        return new LinkPacket(linkType, micros, data, 0, data.length, original, start);
    }

    @Override
    public long bytesRead() {
        return in.offset();
    }
}
