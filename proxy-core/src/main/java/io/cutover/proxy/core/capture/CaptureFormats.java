package io.cutover.proxy.core.capture;

import io.cutover.proxy.core.capture.CaptureReader.Format;

/** Tells a capture's format from its first four bytes. */
final class CaptureFormats {
    private CaptureFormats() {
    }

    static Format detect(CaptureInput input, byte[] magic) throws CaptureFormatException {
        if (magic.length < 4) {
            throw input.error(0, (magic.length == 0 ? "empty file" : "truncated file header at offset 0: needs 4 bytes, "
                + magic.length + " left") + "; not a pcap or pcapng capture");
        }
        int m = BigEndian.i32(magic, 0);
        if (m == PcapngFileReader.SECTION_HEADER) {
            return Format.PCAPNG;
        }
        if (m == PcapFileReader.MAGIC_MICROS || m == PcapFileReader.MAGIC_NANOS
            || m == Integer.reverseBytes(PcapFileReader.MAGIC_MICROS) || m == Integer.reverseBytes(PcapFileReader.MAGIC_NANOS)) {
            return Format.PCAP;
        }
        String hint = (magic[0] & 0xFF) == 0x1F && (magic[1] & 0xFF) == 0x8B ? " (gzip-compressed: decompress it first)" : "";
        throw input.error(0, "not a pcap or pcapng capture at offset 0: starts with 0x" + String.format("%08x", m) + hint);
    }
}
