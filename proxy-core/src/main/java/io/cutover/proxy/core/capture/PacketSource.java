package io.cutover.proxy.core.capture;

import java.io.IOException;

/** The packets of one capture file format, in file order. */
interface PacketSource {
    /** The next packet, or null at the end of the file. */
    LinkPacket next() throws IOException;

    /** Bytes consumed from the file so far. */
    long bytesRead();
}
