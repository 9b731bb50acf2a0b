package io.cutover.proxy.core.capture;

/** Finds the IP header behind a packet's link-layer header, for the link types captures of Kafka traffic use. */
final class LinkLayer {
    static final int NULL = 0;
    static final int ETHERNET = 1;
    static final int RAW = 101;
    static final int LOOP = 108;
    static final int LINUX_SLL = 113;
    static final int IPV4 = 228;
    static final int IPV6 = 229;
    static final int LINUX_SLL2 = 276;

    /** The packet carries no IP (ARP, LLC, ...). */
    static final int NOT_IP = -1;
    /** The link type is not one this reader knows. */
    static final int UNSUPPORTED = -2;
    /** The link-layer header is cut short. */
    static final int MALFORMED = -3;

    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int ETHERTYPE_IPV6 = 0x86DD;
    private static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ETHERTYPE_QINQ = 0x88A8;
    private static final int ETHERTYPE_QINQ_OLD = 0x9100;

    private LinkLayer() {
    }

    /** Offset (from {@code start}) of the IPv4 or IPv6 header, or one of the negative codes above. */
    static int ipOffset(int linkType, byte[] p, int start, int length) {
        return switch (linkType) {
            case ETHERNET -> etherTyped(p, start, length, 12, 14);
            case LINUX_SLL -> etherTyped(p, start, length, 14, 16);
            case LINUX_SLL2 -> etherTyped(p, start, length, 0, 20);
            case RAW, IPV4, IPV6 -> 0;
            // The 4-byte address family is in the byte order of the capturing machine, which the file
            // does not record, and its IPv6 value differs between BSDs: the IP version nibble is surer.
            case NULL, LOOP -> length < 4 ? MALFORMED : 4;
            default -> UNSUPPORTED;
        };
    }

    /**
     * A header with an EtherType at {@code typeAt} and the payload at {@code payloadAt}, stepping over
     * 802.1Q / 802.1ad tags (each a 2-byte tag control field and the next EtherType).
     */
    private static int etherTyped(byte[] p, int start, int length, int typeAt, int payloadAt) {
        if (payloadAt > length) {
            return MALFORMED;
        }
        int type = BigEndian.u16(p, start + typeAt);
        int pos = payloadAt;
        while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
            if (pos + 4 > length) {
                return MALFORMED;
            }
            type = BigEndian.u16(p, start + pos + 2);
            pos += 4;
        }
        return type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6 ? pos : NOT_IP;
    }

}
