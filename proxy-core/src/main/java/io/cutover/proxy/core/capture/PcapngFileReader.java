package io.cutover.proxy.core.capture;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * pcapng files: a sequence of blocks, each section opened by a Section Header Block whose
 * byte-order magic sets the byte order of the blocks after it. Packets refer to the section's
 * interfaces, each with its own link type and timestamp resolution.
 */
final class PcapngFileReader implements PacketSource {
    static final int SECTION_HEADER = 0x0A0D0D0A;
    private static final int INTERFACE_DESCRIPTION = 1;
    private static final int OBSOLETE_PACKET = 2;
    private static final int SIMPLE_PACKET = 3;
    private static final int ENHANCED_PACKET = 6;
    private static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int OPT_ENDOFOPT = 0;
    private static final int OPT_COMMENT = 1;
    private static final int IF_TSRESOL = 9;
    private static final int IF_TSOFFSET = 14;
    private static final int MIN_BLOCK = 12;
    /**
     * Larger than any packet block a capture tool writes (their packets stop at 256 KiB); a length
     * beyond it is a corrupt field, and refusing it keeps a bad file from costing a huge buffer.
     */
    private static final long MAX_BLOCK = 16L << 20;

    private final CaptureInput in;
    private final List<Interface> interfaces = new ArrayList<>();
    private ByteOrder order;
    private long lastTimestampMicros;

    /** An Interface Description Block: what the packets that name it carry and how they count time. */
    private record Interface(int linkType, long unitsPerSecond, long offsetSeconds) {
    }

    PcapngFileReader(CaptureInput in) {
        this.in = in;
    }

    @Override
    public long bytesRead() {
        return in.offset();
    }

    @Override
    public LinkPacket next() throws IOException {
        while (true) {
            long start = in.offset();
            byte[] head = new byte[MIN_BLOCK];
            if (!in.readHeader(head, MIN_BLOCK, "block header")) {
                return null;
            }
            int rawType = ByteBuffer.wrap(head).getInt(0);
            if (rawType == SECTION_HEADER) {
                // The magic reads the same in both byte orders; the one after the length decides.
                order = sectionOrder(head, start);
            } else if (order == null) {
                throw in.error(start, "pcapng file does not start with a Section Header Block at offset " + start);
            }
            ByteBuffer h = ByteBuffer.wrap(head).order(order);
            int type = h.getInt(0);
            long length = Integer.toUnsignedLong(h.getInt(4));
            String what = blockName(type);
            if (length < MIN_BLOCK || length % 4 != 0 || length > MAX_BLOCK) {
                throw in.error(start, "impossible block length " + length + " of " + what + " at offset " + start
                    + (length > MAX_BLOCK ? " (more than " + MAX_BLOCK + ")" : " (must be a multiple of 4, at least 12)"));
            }
            byte[] block = new byte[(int) length];
            System.arraycopy(head, 0, block, 0, MIN_BLOCK);
            in.readRest(block, MIN_BLOCK, block.length - MIN_BLOCK, what, start, length);
            ByteBuffer b = ByteBuffer.wrap(block).order(order);
            long trailer = Integer.toUnsignedLong(b.getInt(block.length - 4));
            if (trailer != length) {
                throw in.error(start, what + " at offset " + start + " has length " + length + " but its trailing length is "
                    + trailer);
            }
            LinkPacket packet = switch (type) {
                case SECTION_HEADER -> sectionHeader(b, start);
                case INTERFACE_DESCRIPTION -> interfaceDescription(b, start);
                case ENHANCED_PACKET -> enhancedPacket(b, start);
                case SIMPLE_PACKET -> simplePacket(b, start);
                case OBSOLETE_PACKET -> obsoletePacket(b, start);
                default -> null; // statistics, name resolution, secrets, custom: nothing to replay
            };
            if (packet != null) {
                lastTimestampMicros = packet.timestampMicros();
                return packet;
            }
        }
    }

    private ByteOrder sectionOrder(byte[] head, long start) throws CaptureFormatException {
        int magic = ByteBuffer.wrap(head).order(ByteOrder.BIG_ENDIAN).getInt(8);
        if (magic == BYTE_ORDER_MAGIC) {
            return ByteOrder.BIG_ENDIAN;
        }
        if (magic == Integer.reverseBytes(BYTE_ORDER_MAGIC)) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        throw in.error(start, "Section Header Block at offset " + start + " has byte-order magic 0x"
            + Integer.toHexString(magic) + ", not 0x1a2b3c4d in either byte order");
    }

    private LinkPacket sectionHeader(ByteBuffer b, long start) throws CaptureFormatException {
        requireBody(b, 16, "Section Header Block", start);
        int major = b.getShort(12) & 0xFFFF;
        if (major != 1) {
            throw in.error(start, "unsupported pcapng version " + major + "." + (b.getShort(14) & 0xFFFF)
                + " in Section Header Block at offset " + start);
        }
        interfaces.clear(); // interface ids are numbered per section
        return null;
    }

    private LinkPacket interfaceDescription(ByteBuffer b, long start) throws CaptureFormatException {
        requireBody(b, 8, "Interface Description Block", start);
        int linkType = b.getShort(8) & 0xFFFF;
        long unitsPerSecond = 1_000_000L;
        long offsetSeconds = 0;
        int end = b.capacity() - 4;
        int pos = 16;
        while (pos + 4 <= end) {
            int code = b.getShort(pos) & 0xFFFF;
            int length = b.getShort(pos + 2) & 0xFFFF;
            if (code == OPT_ENDOFOPT) {
                break;
            }
            int value = pos + 4;
            if (value + length > end) {
                throw in.error(start, "option " + code + " of Interface Description Block at offset " + start + " runs "
                    + (value + length - end) + " bytes past the end of the block");
            }
            if (code == IF_TSRESOL && length >= 1) {
                unitsPerSecond = unitsPerSecond(b.get(value), start);
            } else if (code == IF_TSOFFSET && length >= 8) {
                offsetSeconds = b.getLong(value);
            }
            pos = value + ((length + 3) & ~3);
        }
        interfaces.add(new Interface(linkType, unitsPerSecond, offsetSeconds));
        return null;
    }

    private long unitsPerSecond(byte tsresol, long start) throws CaptureFormatException {
        int exponent = tsresol & 0x7F;
        boolean binary = (tsresol & 0x80) != 0;
        if (binary ? exponent > 62 : exponent > 18) {
            throw in.error(start, "unsupported if_tsresol 0x" + Integer.toHexString(tsresol & 0xFF)
                + " in Interface Description Block at offset " + start);
        }
        if (binary) {
            return 1L << exponent;
        }
        long units = 1;
        for (int i = 0; i < exponent; i++) {
            units *= 10;
        }
        return units;
    }

    private LinkPacket enhancedPacket(ByteBuffer b, long start) throws CaptureFormatException {
        requireBody(b, 20, "Enhanced Packet Block", start);
        Interface itf = iface(b.getInt(8), "Enhanced Packet Block", start);
        long ticks = (Integer.toUnsignedLong(b.getInt(12)) << 32) | Integer.toUnsignedLong(b.getInt(16));
        long captured = Integer.toUnsignedLong(b.getInt(20));
        long original = Integer.toUnsignedLong(b.getInt(24));
        int room = b.capacity() - 4 - 28;
        if (captured > room) {
            throw in.error(start, "Enhanced Packet Block at offset " + start + " has captured length " + captured
                + " but room for " + room + " bytes");
        }
        return new LinkPacket(itf.linkType(), micros(itf, ticks), b.array(), 28, (int) captured, original, start,
            comment(b, 28 + (((int) captured + 3) & ~3)));
    }

    /** The first opt_comment among the options from {@code pos} to the block's trailing length; null when none (or malformed). */
    private static String comment(ByteBuffer b, int pos) {
        int end = b.capacity() - 4;
        while (pos + 4 <= end) {
            int code = b.getShort(pos) & 0xFFFF;
            int length = b.getShort(pos + 2) & 0xFFFF;
            if (code == OPT_ENDOFOPT || pos + 4 + length > end) {
                return null;
            }
            if (code == OPT_COMMENT) {
                return new String(b.array(), pos + 4, length, java.nio.charset.StandardCharsets.UTF_8);
            }
            pos += 4 + ((length + 3) & ~3);
        }
        return null;
    }

    /** A Simple Packet Block has no timestamp; it inherits the previous packet's. */
    private LinkPacket simplePacket(ByteBuffer b, long start) throws CaptureFormatException {
        requireBody(b, 4, "Simple Packet Block", start);
        Interface itf = iface(0, "Simple Packet Block", start);
        long original = Integer.toUnsignedLong(b.getInt(8));
        int captured = (int) Math.min(original, b.capacity() - 4 - 12);
        return new LinkPacket(itf.linkType(), lastTimestampMicros, b.array(), 12, captured, original, start);
    }

    private LinkPacket obsoletePacket(ByteBuffer b, long start) throws CaptureFormatException {
        requireBody(b, 20, "Packet Block", start);
        Interface itf = iface(b.getShort(8) & 0xFFFF, "Packet Block", start);
        long ticks = (Integer.toUnsignedLong(b.getInt(12)) << 32) | Integer.toUnsignedLong(b.getInt(16));
        long captured = Integer.toUnsignedLong(b.getInt(20));
        long original = Integer.toUnsignedLong(b.getInt(24));
        int room = b.capacity() - 4 - 28;
        if (captured > room) {
            throw in.error(start, "Packet Block at offset " + start + " has captured length " + captured + " but room for "
                + room + " bytes");
        }
        return new LinkPacket(itf.linkType(), micros(itf, ticks), b.array(), 28, (int) captured, original, start);
    }

    private static long micros(Interface itf, long ticks) {
        return CaptureTimestamps.toMicros(ticks, itf.unitsPerSecond()) + itf.offsetSeconds() * 1_000_000L;
    }

    private Interface iface(int id, String what, long start) throws CaptureFormatException {
        if (id < 0 || id >= interfaces.size()) {
            throw in.error(start, what + " at offset " + start + " refers to interface " + Integer.toUnsignedString(id)
                + ", but its section describes " + interfaces.size());
        }
        return interfaces.get(id);
    }

    /** Block bodies shorter than their fixed fields cannot be read at all. */
    private void requireBody(ByteBuffer b, int fixed, String what, long start) throws CaptureFormatException {
        int body = b.capacity() - MIN_BLOCK;
        if (body < fixed) {
            throw in.error(start, what + " at offset " + start + " is " + b.capacity() + " bytes, too short for its "
                + (MIN_BLOCK + fixed) + "-byte fixed part");
        }
    }

    private static String blockName(int type) {
        return switch (type) {
            case SECTION_HEADER -> "Section Header Block";
            case INTERFACE_DESCRIPTION -> "Interface Description Block";
            case OBSOLETE_PACKET -> "Packet Block";
            case SIMPLE_PACKET -> "Simple Packet Block";
            case 4 -> "Name Resolution Block";
            case 5 -> "Interface Statistics Block";
            case ENHANCED_PACKET -> "Enhanced Packet Block";
            case 10 -> "Decryption Secrets Block";
            default -> "block of type 0x" + Integer.toHexString(type);
        };
    }
}
