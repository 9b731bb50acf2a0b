package io.cutover.proxy.core.capture;

/** Network byte order reads from byte arrays, for the wire formats (IP, TCP, Kafka) inside a capture. */
final class BigEndian {
    private BigEndian() {
    }

    static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    static short i16(byte[] b, int at) {
        return (short) u16(b, at);
    }

    static int i32(byte[] b, int at) {
        return (u16(b, at) << 16) | u16(b, at + 2);
    }
}
