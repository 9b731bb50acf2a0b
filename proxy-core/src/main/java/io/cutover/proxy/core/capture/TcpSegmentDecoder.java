package io.cutover.proxy.core.capture;

import java.util.Arrays;

/**
 * Decodes a captured packet down to its TCP segment: link layer, then IPv4 (with options) or IPv6
 * (with extension headers), then TCP. Anything else is counted and skipped, never an error: a
 * capture of a busy host holds all sorts of traffic beside Kafka.
 */
final class TcpSegmentDecoder {
    private static final int PROTO_TCP = 6;
    private static final int IPV6_HOP_BY_HOP = 0;
    private static final int IPV6_ROUTING = 43;
    private static final int IPV6_FRAGMENT = 44;
    private static final int IPV6_AUTHENTICATION = 51;
    private static final int IPV6_DESTINATION = 60;
    private static final int IPV6_MOBILITY = 135;
    private static final int IPV6_HIP = 139;
    private static final int IPV6_SHIM6 = 140;

    private final CaptureStats stats;

    TcpSegmentDecoder(CaptureStats stats) {
        this.stats = stats;
    }

    /** The packet's TCP segment, or null (counted in the stats) when it has none this reader can use. */
    TcpSegment decode(LinkPacket packet) {
        byte[] p = packet.data();
        int ip = LinkLayer.ipOffset(packet.linkType(), p, packet.dataOffset(), packet.capturedLength());
        if (ip == LinkLayer.UNSUPPORTED) {
            return skip(CaptureWarning.UNSUPPORTED_LINK_TYPE);
        }
        if (ip == LinkLayer.MALFORMED) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        if (ip == LinkLayer.NOT_IP) {
            return skip(null);
        }
        int base = packet.dataOffset() + ip;
        int captured = packet.capturedLength() - ip;
        // The packet's length on the wire less its link header, for when the IP length field is zero.
        long onWire = Math.max(captured, packet.originalLength() - ip);
        boolean cut = packet.originalLength() > packet.capturedLength();
        if (captured < 1) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        int version = (p[base] & 0xFF) >> 4;
        if (version == 4) {
            return ipv4(packet, p, base, captured, onWire, cut);
        }
        if (version == 6) {
            return ipv6(packet, p, base, captured, onWire, cut);
        }
        return skip(null);
    }

    private TcpSegment ipv4(LinkPacket packet, byte[] p, int base, int captured, long onWire, boolean cut) {
        if (captured < 20) {
            return skip(cut ? CaptureWarning.SNAPLEN_TRUNCATED : CaptureWarning.MALFORMED_PACKET);
        }
        int headerLength = (p[base] & 0x0F) * 4;
        int totalLength = BigEndian.u16(p, base + 2);
        if (totalLength == 0) {
            // Segmentation offload: the kernel hands the capture one large packet before the NIC
            // splits it, with the length field left at zero when it does not fit.
            totalLength = (int) Math.min(onWire, Integer.MAX_VALUE);
        }
        if (headerLength < 20 || headerLength > captured || totalLength < headerLength) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        if (totalLength > captured && !cut) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        if ((BigEndian.u16(p, base + 6) & 0x3FFF) != 0) {
            // A fragment (more-fragments flag or an offset): reassembling IP is out of scope, and
            // Kafka's TCP traffic is not fragmented in practice since TCP sizes segments to the path.
            return skip(CaptureWarning.IP_FRAGMENT);
        }
        if ((p[base + 9] & 0xFF) != PROTO_TCP) {
            return skip(null);
        }
        byte[] src = Arrays.copyOfRange(p, base + 12, base + 16);
        byte[] dst = Arrays.copyOfRange(p, base + 16, base + 20);
        int capturedEnd = Math.min(captured, totalLength);
        return tcp(packet, p, src, dst, base + headerLength, capturedEnd - headerLength, totalLength - headerLength);
    }

    private TcpSegment ipv6(LinkPacket packet, byte[] p, int base, int captured, long onWire, boolean cut) {
        if (captured < 40) {
            return skip(cut ? CaptureWarning.SNAPLEN_TRUNCATED : CaptureWarning.MALFORMED_PACKET);
        }
        long totalLength = 40L + BigEndian.u16(p, base + 4);
        if (totalLength == 40 && onWire > 40) {
            totalLength = onWire; // a jumbogram or an offloaded segment
        }
        if (totalLength > captured && !cut) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        int capturedEnd = (int) Math.min(captured, totalLength);
        int next = p[base + 6] & 0xFF;
        int pos = 40;
        while (next != PROTO_TCP) {
            if (!isExtensionHeader(next)) {
                return skip(null);
            }
            if (pos + 8 > capturedEnd) {
                return skip(cut ? CaptureWarning.SNAPLEN_TRUNCATED : CaptureWarning.MALFORMED_PACKET);
            }
            int length;
            if (next == IPV6_FRAGMENT) {
                int offsetAndMore = BigEndian.u16(p, base + pos + 2);
                if ((offsetAndMore & 0xFFF9) != 0) {
                    return skip(CaptureWarning.IP_FRAGMENT);
                }
                length = 8; // an atomic fragment: the whole packet, readable as is
            } else if (next == IPV6_AUTHENTICATION) {
                length = ((p[base + pos + 1] & 0xFF) + 2) * 4;
            } else {
                length = ((p[base + pos + 1] & 0xFF) + 1) * 8;
            }
            next = p[base + pos] & 0xFF;
            pos += length;
        }
        if (pos > capturedEnd) {
            return skip(cut ? CaptureWarning.SNAPLEN_TRUNCATED : CaptureWarning.MALFORMED_PACKET);
        }
        byte[] src = Arrays.copyOfRange(p, base + 8, base + 24);
        byte[] dst = Arrays.copyOfRange(p, base + 24, base + 40);
        return tcp(packet, p, src, dst, base + pos, capturedEnd - pos, (int) Math.min(totalLength - pos, Integer.MAX_VALUE));
    }

    private static boolean isExtensionHeader(int next) {
        return switch (next) {
            case IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_FRAGMENT, IPV6_AUTHENTICATION, IPV6_DESTINATION, IPV6_MOBILITY, IPV6_HIP,
                IPV6_SHIM6 -> true;
            default -> false;
        };
    }

    /** {@code captured} bytes of the TCP segment at {@code t}; {@code wire} were sent. */
    private TcpSegment tcp(LinkPacket packet, byte[] p, byte[] src, byte[] dst, int t, int captured, int wire) {
        if (captured < 20) {
            return skip(wire > captured ? CaptureWarning.SNAPLEN_TRUNCATED : CaptureWarning.MALFORMED_PACKET);
        }
        int headerLength = ((p[t + 12] & 0xFF) >> 4) * 4;
        if (headerLength < 20 || headerLength > wire) {
            return skip(CaptureWarning.MALFORMED_PACKET);
        }
        if (headerLength > captured) {
            return skip(CaptureWarning.SNAPLEN_TRUNCATED);
        }
        return new TcpSegment(src, BigEndian.u16(p, t), dst, BigEndian.u16(p, t + 2), BigEndian.i32(p, t + 4), BigEndian.i32(p, t + 8), p[t + 13] & 0xFF,
            p, t + headerLength, captured - headerLength, wire - headerLength, packet.timestampMicros());
    }

    private TcpSegment skip(CaptureWarning warning) {
        stats.packetSkipped();
        if (warning != null) {
            stats.warn(warning);
        }
        return null;
    }

}
