package io.cutover.proxy.core.capture;

/**
 * One TCP segment: its addresses (4 or 16 bytes), ports, sequence and acknowledgement numbers,
 * flags, and payload. {@code payloadLength} bytes of the payload were captured at
 * {@code data[payloadOffset]}; {@code wireLength} were sent (more when a snapshot length cut the packet).
 */
record TcpSegment(byte[] sourceAddress, int sourcePort, byte[] destinationAddress, int destinationPort, int sequence,
                  int acknowledgement, int flags, byte[] data, int payloadOffset, int payloadLength, int wireLength,
                  long timestampMicros) {
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int ACK = 0x10;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }
}
